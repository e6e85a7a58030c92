"""Calibration files in the YAML layout camera_calibration and camera_info_manager write.

A missing or broken file never stops a camera: the caller gets an uncalibrated calibration of
the right size and one message naming the file (as camera drivers do), and captures on.
"""
from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# matrix key -> (rows, cols); distortion has one row of any length.
_MATRICES = {'camera_matrix': (3, 3), 'rectification_matrix': (3, 3),
             'projection_matrix': (3, 4)}
_IDENTITY_3X3 = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)


class CalibrationFileError(ValueError):
    """A calibration file that cannot be used; the message names the file and the field."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f'{path}: {problem}')
        self.path = path


@dataclass(frozen=True)
class Calibration:
    """Intrinsics of one camera; an all-zero camera_matrix means uncalibrated (as in ROS)."""

    camera_name: str
    width: int
    height: int
    camera_matrix: tuple[float, ...] = (0.0,) * 9
    distortion_model: str = ''
    distortion: tuple[float, ...] = ()
    rectification: tuple[float, ...] = _IDENTITY_3X3
    projection: tuple[float, ...] = (0.0,) * 12

    @property
    def calibrated(self) -> bool:
        """Tell whether the file held a focal length (camera_matrix not all zero)."""
        return any(self.camera_matrix)

    def to_document(self) -> dict[str, Any]:
        """Return the YAML mapping camera_calibration writes."""
        return {
            'image_width': self.width,
            'image_height': self.height,
            'camera_name': self.camera_name,
            'camera_matrix': _matrix(self.camera_matrix, 3, 3),
            'distortion_model': self.distortion_model,
            'distortion_coefficients': _matrix(self.distortion, 1, len(self.distortion)),
            'rectification_matrix': _matrix(self.rectification, 3, 3),
            'projection_matrix': _matrix(self.projection, 3, 4),
        }


def _matrix(data: tuple[float, ...], rows: int, cols: int) -> dict[str, Any]:
    return {'rows': rows, 'cols': cols, 'data': [float(v) for v in data]}


def load(path: Path) -> Calibration:
    """Read and check one file; raise CalibrationFileError naming the bad field."""
    try:
        document = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise CalibrationFileError(path, 'no such file') from None
    except OSError as error:
        raise CalibrationFileError(path, f'cannot read ({error.strerror})') from None
    except yaml.YAMLError as error:
        one_line = ' '.join(str(error).split())
        raise CalibrationFileError(path, f'not valid YAML ({one_line})') from None
    if not isinstance(document, dict):
        raise CalibrationFileError(path, 'top level must be a mapping')
    return Calibration(
        camera_name=_text(path, document, 'camera_name'),
        width=_size(path, document, 'image_width'),
        height=_size(path, document, 'image_height'),
        camera_matrix=_matrix_data(path, document, 'camera_matrix'),
        distortion_model=_text(path, document, 'distortion_model'),
        distortion=_matrix_data(path, document, 'distortion_coefficients'),
        rectification=_matrix_data(path, document, 'rectification_matrix'),
        projection=_matrix_data(path, document, 'projection_matrix'),
    )


def load_for(path: Path, camera_name: str, width: int,
             height: int) -> tuple[Calibration, str]:
    """Return the file's calibration for this camera, or an uncalibrated one and why.

    The second value is '' when the file was used, else one line naming the file.
    """
    uncalibrated = Calibration(camera_name, width, height)
    try:
        calibration = load(path)
    except CalibrationFileError as error:
        return uncalibrated, f'camera {camera_name!r} uncalibrated: {error}'
    if (calibration.width, calibration.height) != (width, height):
        return uncalibrated, (f'camera {camera_name!r} uncalibrated: {path} is for '
                              f'{calibration.width}x{calibration.height}, images are '
                              f'{width}x{height}')
    return calibration, ''


def save(path: Path, calibration: Calibration) -> None:
    """Write the file atomically (a reader never sees half of it); create its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(calibration.to_document(), sort_keys=False)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f'.{path.name}.')
    try:
        with os.fdopen(fd, 'w') as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _text(path: Path, document: dict, key: str) -> str:
    value = document.get(key, '')
    if not isinstance(value, str):
        raise CalibrationFileError(path, f'{key} must be a string, got {value!r}')
    return value


def _size(path: Path, document: dict, key: str) -> int:
    value = document.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise CalibrationFileError(path, f'{key} must be a positive integer, got {value!r}')
    return value


def _matrix_data(path: Path, document: dict, key: str) -> tuple[float, ...]:
    matrix = document.get(key)
    if not isinstance(matrix, dict) or not isinstance(matrix.get('data'), list):
        raise CalibrationFileError(path, f'{key} must be a mapping with rows, cols and data')
    data = matrix['data']
    if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
               for v in data):
        raise CalibrationFileError(path, f'{key}.data must hold finite numbers')
    rows, cols = _MATRICES.get(key, (1, len(data)))
    if (matrix.get('rows'), matrix.get('cols')) != (rows, cols) or len(data) != rows * cols:
        raise CalibrationFileError(path, f'{key} must be {rows}x{cols} with {rows * cols} '
                                         f'values, got rows={matrix.get("rows")} '
                                         f'cols={matrix.get("cols")} and {len(data)} values')
    return tuple(float(v) for v in data)
