"""Which sources a phase delay can move: the fact the client's diagnostics report per camera."""
from __future__ import annotations

import pytest

from compound_eyes.camera.genicam.camera import GenicamCamera
from compound_eyes.camera.genicam.config import GenicamConfig
from compound_eyes.camera.opencv_source import OpenCvCamera
from compound_eyes.camera.synthetic import SyntheticCamera, SyntheticConfig


@pytest.mark.parametrize(('source', 'controllable'), [
    (SyntheticCamera('synthetic:triggered', SyntheticConfig(model='triggered')), True),
    (SyntheticCamera('synthetic:freerun', SyntheticConfig(model='freerun')), False),
    (OpenCvCamera('/dev/video0'), False),
    (GenicamCamera('genicam:any', GenicamConfig(trigger_source='Software')), True),
    (GenicamCamera('genicam:any', GenicamConfig(trigger_source='Line0')), False),
    (GenicamCamera('genicam:any', GenicamConfig(trigger_source='Off')), False),
], ids=['synthetic-triggered', 'synthetic-freerun', 'opencv', 'genicam-software',
        'genicam-line', 'genicam-freerun'])
def test_only_sources_whose_exposure_follows_grab_are_controllable(source, controllable):
    assert source.controllable is controllable
