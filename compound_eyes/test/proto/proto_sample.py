"""Fully populated sample messages and field-by-field digests, shared by the interface tests.

Every field gets a distinct non-default value, so a field a converter or transport drops shows
up as a difference instead of hiding behind its default.
"""
from __future__ import annotations

import array
import hashlib
import itertools
from typing import Any

import numpy as np
from compound_eyes_msgs.msg import CameraFrame, SyncedFrameSet
from rosidl_parser.definition import (
    AbstractNestedType,
    AbstractString,
    BasicType,
    NamespacedType,
)

_counter = itertools.count(1)


def _ros_class(namespaced: NamespacedType) -> type:
    module = __import__('.'.join(namespaced.namespaces), fromlist=[namespaced.name])
    return getattr(module, namespaced.name)


def _basic_value(typename: str, n: int) -> Any:
    if typename == 'boolean':
        return True
    if typename in ('float', 'double'):
        return n + 0.5                      # exactly representable in float32 too
    if typename.startswith('int'):
        return -n                           # negative values cover sign handling
    return n % 250 + 1                      # fits every unsigned width


def fill_every_field(msg: Any, label: str = 'x') -> Any:
    """Set every field of a ROS message (recursively) to a distinct non-default value."""
    for name, slot in zip(msg.get_fields_and_field_types(), msg.SLOT_TYPES, strict=True):
        n = next(_counter)
        if isinstance(slot, NamespacedType):
            fill_every_field(getattr(msg, name), f'{label}.{name}')
        elif isinstance(slot, AbstractString):
            setattr(msg, name, f'{label}.{name}-{n}-ü')
        elif isinstance(slot, BasicType):
            setattr(msg, name, _basic_value(slot.typename, n))
        elif isinstance(slot, AbstractNestedType):
            element = slot.value_type
            if isinstance(element, NamespacedType):
                items = [fill_every_field(_ros_class(element)(), f'{label}.{name}[{i}]')
                         for i in range(2)]
                setattr(msg, name, items)
            elif isinstance(element, AbstractString):
                setattr(msg, name, [f'{label}.{name}[{i}]-{n}' for i in range(2)])
            elif isinstance(element, BasicType) and element.typename == 'uint8':
                getattr(msg, name).frombytes(bytes(range(n % 200, n % 200 + 40)))
            else:
                setattr(msg, name, [_basic_value(element.typename, n + i) for i in range(3)])
    return msg


def _frame(index: int, width: int, height: int) -> CameraFrame:
    frame = fill_every_field(CameraFrame(), f'frame{index}')
    frame.payload = CameraFrame.PAYLOAD_RAW if index % 2 == 0 else CameraFrame.PAYLOAD_COMPRESSED
    frame.stamp_source = index % 2 + 1
    rng = np.random.default_rng(index)
    image = frame.image
    image.width, image.height, image.encoding = width, height, 'bgr8'
    image.step = width * 3
    image.data = array.array('B')
    image.data.frombytes(rng.integers(0, 256, height * width * 3, dtype=np.uint8).tobytes())
    compressed = frame.compressed_image
    compressed.format = 'bgr8; jpeg compressed bgr8'
    compressed.data = array.array('B')
    compressed.data.frombytes(rng.integers(0, 256, 5000 + index, dtype=np.uint8).tobytes())
    return frame


def sample_frame_set(frames: int = 2, width: int = 64, height: int = 48) -> SyncedFrameSet:
    """Return a SyncedFrameSet with every field set and `frames` frames of random bgr8 pixels."""
    frame_set = fill_every_field(SyncedFrameSet(), 'set')
    frame_set.frames = [_frame(i, width, height) for i in range(frames)]
    return frame_set


def digest(msg: Any) -> dict[str, Any]:
    """Describe every field of a ROS message as JSON-able values; uint8 arrays by sha256."""
    out: dict[str, Any] = {}
    for name, slot in zip(msg.get_fields_and_field_types(), msg.SLOT_TYPES, strict=True):
        value = getattr(msg, name)
        if isinstance(slot, NamespacedType):
            out[name] = digest(value)
        elif isinstance(slot, AbstractNestedType):
            element = slot.value_type
            if isinstance(element, NamespacedType):
                out[name] = [digest(item) for item in value]
            elif isinstance(element, BasicType) and element.typename == 'uint8':
                data = value.tobytes()
                out[name] = {'len': len(data), 'sha256': hashlib.sha256(data).hexdigest()}
            else:
                out[name] = list(value)
        else:
            out[name] = value
    return out


def default_leaves(described: Any, path: str = '') -> list[str]:
    """Return the paths in a digest whose value is a default (0, '', False, empty)."""
    if isinstance(described, dict):
        return [p for key, value in described.items()
                for p in default_leaves(value, f'{path}.{key}')]
    if isinstance(described, list) and described:
        return [p for i, value in enumerate(described)
                for p in default_leaves(value, f'{path}[{i}]')]
    return [] if described else [path]
