"""Turn a rosbags message object into the rosidl-generated Python message of the same type.

The protobuf converter (compound_eyes.proto.convert) walks rosidl classes, while bags are read
with rosbags; this generic copy joins the two without rclpy. Byte arrays are copied as whole
buffers.
"""
from __future__ import annotations

import array
import importlib
from functools import cache

import numpy as np


@cache
def _rosidl_class(msgtype: str) -> type:
    package, _, name = msgtype.split('/')
    return getattr(importlib.import_module(f'{package}.msg'), name)


def _value(value: object) -> object:
    if hasattr(value, '__msgtype__'):
        return to_rosidl(value)
    if isinstance(value, np.ndarray):
        if value.dtype == np.uint8:
            buffer = array.array('B')
            buffer.frombytes(value.tobytes())
            return buffer
        return value.tolist()
    if isinstance(value, list):
        return [_value(item) for item in value]
    return value


def to_rosidl(msg: object) -> object:
    """Return the rosidl message equal to a rosbags message (recursively)."""
    ros_msg = _rosidl_class(msg.__msgtype__)()
    for name in ros_msg.get_fields_and_field_types():
        setattr(ros_msg, name, _value(getattr(msg, name)))
    return ros_msg
