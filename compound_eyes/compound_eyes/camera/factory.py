"""Turn a camera_id and its options (from YAML) into a CameraSource.

Sources are created unopened in the parent, which validates the options early, and are
picklable until and after open(), so either the source or a partial of create_source (what
config.capture_setup hands the capture engine) can be sent to a spawned capture process.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from typing import TypeVar

from compound_eyes.camera.genicam.aravis_library import AravisUnavailable, load_aravis
from compound_eyes.camera.genicam.camera import GenicamCamera
from compound_eyes.camera.genicam.config import PREFIX as GENICAM_PREFIX
from compound_eyes.camera.genicam.config import GenicamConfig
from compound_eyes.camera.opencv_source import OpenCvCamera, OpenCvConfig
from compound_eyes.camera.source import CameraSource
from compound_eyes.camera.synthetic import MODELS, SyntheticCamera, SyntheticConfig

SYNTHETIC_PREFIX = 'synthetic'
_Config = TypeVar('_Config', SyntheticConfig, OpenCvConfig, GenicamConfig)


def create_source(camera_id: str, options: Mapping[str, object] | None = None) -> CameraSource:
    """Return an unopened source: synthetic[:model[:label]], genicam:<device> or for OpenCV.

    Raises ValueError naming the camera and the offending option key, or saying what to
    install when a GenICam camera is configured on a host without Aravis.
    """
    if not isinstance(camera_id, str) or not camera_id:
        raise ValueError(f'camera_id: expected a non-empty string, got {camera_id!r}')
    options = dict(options or {})
    if camera_id == SYNTHETIC_PREFIX or camera_id.startswith(SYNTHETIC_PREFIX + ':'):
        return SyntheticCamera(camera_id, _config(SyntheticConfig, camera_id,
                                                  _synthetic_options(camera_id, options)))
    if camera_id.startswith(GENICAM_PREFIX):
        return _genicam(camera_id, options)
    return OpenCvCamera(camera_id, _config(OpenCvConfig, camera_id, options))


def _genicam(camera_id: str, options: dict[str, object]) -> GenicamCamera:
    """Check the device key, the options and that Aravis is importable here."""
    camera = GenicamCamera(camera_id, _config(GenicamConfig, camera_id, options))
    try:
        load_aravis()
    except AravisUnavailable as error:
        raise ValueError(f'camera {camera_id}: {error}') from None
    return camera


def _synthetic_options(camera_id: str, options: dict[str, object]) -> dict[str, object]:
    """Fill model and label from 'synthetic:<model>:<label>' unless the options give them."""
    parts = camera_id.split(':', 2)
    if len(parts) > 1:
        model = parts[1]
        if model not in MODELS:
            raise ValueError(f'camera {camera_id}: unknown synthetic model {model!r} '
                             f'(expected {" or ".join(MODELS)})')
        if options.setdefault('model', model) != model:
            raise ValueError(f'camera {camera_id}: option model={options["model"]!r} '
                             f'contradicts the camera_id')
    if len(parts) > 2:
        options.setdefault('label', parts[2])
    return options


def _config(cls: type[_Config], camera_id: str, options: dict[str, object]) -> _Config:
    """Build a config dataclass, naming the camera in every error."""
    known = {f.name for f in fields(cls)}
    for key in options:
        if key not in known:
            raise ValueError(f'camera {camera_id}: unknown option {key!r} '
                             f'(known: {", ".join(sorted(known))})')
    try:
        return cls(**options)
    except ValueError as error:
        raise ValueError(f'camera {camera_id}: {error}') from error
