"""CameraInfo from set_camera_info becomes a calibration only when every field is usable."""
from __future__ import annotations

import math

import pytest
from sensor_msgs.msg import CameraInfo
from std_msgs.msg import Header

from compound_eyes.calibration.camera_info_file import Calibration
from compound_eyes.nodes.camera_info_msg import calibration_from, camera_info

CALIBRATION = Calibration('left', 160, 120, camera_matrix=(200.0, 0, 80, 0, 201.0, 60, 0, 0, 1),
                          distortion_model='plumb_bob', distortion=(0.1, -0.2, 0.0, 0.0, 0.01),
                          projection=(200.0, 0, 80, 0, 0, 201.0, 60, 0, 0, 0, 1, 0))


def _info(**fields) -> CameraInfo:
    info = camera_info(CALIBRATION, Header(frame_id='left_optical_frame'))
    for name, value in fields.items():
        setattr(info, name, value)
    return info


def test_a_calibration_survives_camera_info_and_back():
    info = _info()
    assert info.header.frame_id == 'left_optical_frame' and (info.width, info.height) == (160, 120)
    assert calibration_from(info, 'left', 160, 120) == CALIBRATION


@pytest.mark.parametrize('fields, field', [
    ({'width': 640}, 'width'),
    ({'distortion_model': 'plumb bob; rm -rf'}, 'distortion_model'),
    ({'distortion_model': 'x' * 65}, 'distortion_model'),
    ({'d': [0.0] * 15}, 'd has 15'),
    ({'k': [math.nan] * 9}, 'k must'),
    ({'p': [0.0] * 11 + [math.inf]}, 'p must'),
])
def test_hostile_camera_info_is_refused_naming_the_field(fields, field):
    with pytest.raises(ValueError, match=field):
        calibration_from(_info(**fields), 'left', 160, 120)
