"""sensor_msgs/CameraInfo to and from the calibration files' Calibration.

A CameraInfo arriving through set_camera_info comes from the network: every field is checked
before anything is written, and the reason names the field.
"""
from __future__ import annotations

import math

from sensor_msgs.msg import CameraInfo
from std_msgs.msg import Header

from compound_eyes.calibration.camera_info_file import Calibration

# plumb_bob has 5 coefficients, rational_polynomial 8; OpenCV's longest model has 14.
MAX_DISTORTION_COEFFICIENTS = 14
MAX_DISTORTION_MODEL_CHARS = 64


def camera_info(calibration: Calibration, header: Header) -> CameraInfo:
    """Return the CameraInfo of a calibration, stamped with its image's header."""
    return CameraInfo(header=header, width=calibration.width, height=calibration.height,
                      distortion_model=calibration.distortion_model,
                      d=list(calibration.distortion), k=calibration.camera_matrix,
                      r=calibration.rectification, p=calibration.projection)


def calibration_from(info: CameraInfo, camera_name: str, width: int,
                     height: int) -> Calibration:
    """Return the calibration a CameraInfo states for images of width x height.

    Raises ValueError naming the field when the message cannot describe this camera.
    """
    if (info.width, info.height) != (width, height):
        raise ValueError(f'width x height is {info.width}x{info.height}, the camera\'s images '
                         f'are {width}x{height}')
    model = info.distortion_model
    shown = model[:MAX_DISTORTION_MODEL_CHARS]
    if len(model) > MAX_DISTORTION_MODEL_CHARS or (model and not model.replace('_', '').isalnum()):
        raise ValueError(f'distortion_model must be empty or letters, digits and _ (at most '
                         f'{MAX_DISTORTION_MODEL_CHARS}), got {shown!r}')
    if len(info.d) > MAX_DISTORTION_COEFFICIENTS:
        raise ValueError(f'd has {len(info.d)} coefficients, at most '
                         f'{MAX_DISTORTION_COEFFICIENTS} are accepted')
    fields = {name: tuple(float(v) for v in getattr(info, name)) for name in ('d', 'k', 'r', 'p')}
    for name, values in fields.items():
        if not all(math.isfinite(v) for v in values):
            raise ValueError(f'{name} must hold finite numbers')
    return Calibration(camera_name, width, height, camera_matrix=fields['k'],
                       distortion_model=model, distortion=fields['d'],
                       rectification=fields['r'], projection=fields['p'])
