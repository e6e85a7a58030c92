"""Convert ROS messages to and from the classes of compound_eyes.proto, field by field.

Both walks are generic, so any message of compound_eyes_msgs (and the std/sensor/builtin types
it uses) converts without per-type code. to_proto follows the protobuf descriptor and reads the
same-named attributes, so it takes rclpy messages and the objects rosbags deserializes from a
bag alike; from_proto follows each ROS class's SLOT_TYPES. Image bytes are copied as whole
buffers, never per byte. Protobuf input is treated as untrusted: integers that do not fit the
ROS field and arrays that break a size bound are rejected with an error naming the field.
"""
from __future__ import annotations

import array
import dataclasses
import functools
import importlib
from typing import Any

import compound_eyes_msgs.msg
from compound_eyes_proto import compound_eyes_pb2
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message as ProtoMessage
from rosidl_parser.definition import (
    AbstractNestedType,
    AbstractType,
    Array,
    BasicType,
    BoundedSequence,
    NamespacedType,
)

_INT_BITS = {'int8': 8, 'int16': 16, 'int32': 32, 'int64': 64,
             'uint8': 8, 'uint16': 16, 'uint32': 32, 'uint64': 64}


def _int_range(typename: str) -> tuple[int, int] | None:
    """Return the inclusive value range of a ROS integer type, None for other types."""
    bits = _INT_BITS.get(typename)
    if bits is None:
        return None
    if typename.startswith('u'):
        return 0, 2**bits - 1
    return -2**(bits - 1), 2**(bits - 1) - 1


def _is_uint8(element: AbstractType) -> bool:
    return isinstance(element, BasicType) and element.typename == 'uint8'


@functools.cache
def _slots(ros_type: type) -> tuple[tuple[str, AbstractType], ...]:
    """Pair each field name of a ROS message class with its rosidl type, in declaration order."""
    return tuple(zip(ros_type.get_fields_and_field_types(), ros_type.SLOT_TYPES, strict=True))


def _ros_class(namespaced: NamespacedType) -> type:
    return _import_class('.'.join(namespaced.namespaces), namespaced.name)


@functools.cache
def _import_class(module: str, name: str) -> type:
    return getattr(importlib.import_module(module), name)


def _ros_name(ros_type: type) -> str:
    return f'{ros_type.__module__.split(".")[0]}/msg/{ros_type.__name__}'


def proto_class(ros_type: type) -> type[ProtoMessage]:
    """Return the compound_eyes.proto class mirroring a ROS message class (same name)."""
    return _proto_class_named(ros_type.__name__, _ros_name(ros_type))


def _proto_class_named(name: str, ros_name: str) -> type[ProtoMessage]:
    pb_type = getattr(compound_eyes_pb2, name, None)
    if pb_type is None:
        raise TypeError(f'{ros_name} has no message in compound_eyes.proto')
    return pb_type


@functools.cache
def _ros_types_by_proto_name() -> dict[str, type]:
    """Every ROS class reachable from compound_eyes_msgs, keyed by its proto full name."""
    roots = [value for value in vars(compound_eyes_msgs.msg).values()
             if isinstance(value, type) and hasattr(value, 'SLOT_TYPES')]
    found: dict[str, type] = {}
    while roots:
        ros_type = roots.pop()
        name = proto_class(ros_type).DESCRIPTOR.full_name
        if name in found:
            continue
        found[name] = ros_type
        for _, slot in _slots(ros_type):
            element = slot.value_type if isinstance(slot, AbstractNestedType) else slot
            if isinstance(element, NamespacedType):
                roots.append(_ros_class(element))
    return found


def to_proto(ros_msg: Any) -> ProtoMessage:
    """Return the compound_eyes.proto message holding every field of a ROS message.

    ros_msg is an rclpy message or a rosbags message object; raise TypeError when its fields
    are not those of the protobuf message of its name.
    """
    msgtype = getattr(ros_msg, '__msgtype__', None)      # set on rosbags message classes
    name = msgtype.rsplit('/', 1)[1] if msgtype else type(ros_msg).__name__
    pb_msg = _proto_class_named(name, msgtype or _ros_name(type(ros_msg)))()
    _fill_proto(ros_msg, pb_msg)
    return pb_msg


@functools.cache
def _check_fields(ros_type: type, descriptor: Descriptor) -> None:
    """Refuse a ROS message whose fields differ from the protobuf message's (another revision)."""
    if hasattr(ros_type, 'get_fields_and_field_types'):
        ros_fields = list(ros_type.get_fields_and_field_types())
    else:
        # rosbags declares constants and __msgtype__ as ClassVar-annotated dataclass fields
        ros_fields = [f.name for f in dataclasses.fields(ros_type) if 'ClassVar' not in str(f.type)]
    pb_fields = [f.name for f in descriptor.fields]
    if ros_fields != pb_fields:
        raise TypeError(f'{descriptor.full_name}: the ROS message has fields {ros_fields}, '
                        f'compound_eyes.proto {pb_fields}; were both built from one .msg?')


def _fill_proto(ros_msg: Any, pb_msg: ProtoMessage) -> None:
    _check_fields(type(ros_msg), pb_msg.DESCRIPTOR)
    for field in pb_msg.DESCRIPTOR.fields:
        name = field.name
        value = getattr(ros_msg, name)
        if field.message_type is None:
            if field.type == FieldDescriptor.TYPE_BYTES:
                setattr(pb_msg, name, bytes(value))      # uint8[]: one buffer copy
            elif field.is_repeated:
                getattr(pb_msg, name).extend(value.tolist() if hasattr(value, 'tolist')
                                             else value)
            else:
                setattr(pb_msg, name, value)
        elif field.is_repeated:
            items = getattr(pb_msg, name)
            for item in value:
                _fill_proto(item, items.add())
        else:
            _fill_proto(value, getattr(pb_msg, name))


def from_proto(pb_msg: ProtoMessage, ros_type: type | None = None) -> Any:
    """Return a ROS message built from a compound_eyes.proto message.

    ros_type defaults to the ROS class whose name the protobuf message carries; raise TypeError
    when the two do not correspond and ValueError when a value does not fit its ROS field.
    """
    if ros_type is None:
        full_name = pb_msg.DESCRIPTOR.full_name
        ros_type = _ros_types_by_proto_name().get(full_name)
        if ros_type is None:
            raise TypeError(f'protobuf message {full_name} is not a compound_eyes interface')
    return _build(pb_msg, ros_type, ros_type.__name__)


def _build(pb_msg: ProtoMessage, ros_type: type, path: str) -> Any:
    expected = proto_class(ros_type).DESCRIPTOR.full_name
    if pb_msg.DESCRIPTOR.full_name != expected:
        raise TypeError(f'{path}: expected protobuf {expected}, got {pb_msg.DESCRIPTOR.full_name}')
    ros_msg = ros_type()
    for name, slot in _slots(ros_type):
        where = f'{path}.{name}'
        value = getattr(pb_msg, name)
        if isinstance(slot, NamespacedType):
            value = _build(value, _ros_class(slot), where)
        elif isinstance(slot, AbstractNestedType):
            value = _nested_value(value, slot, where)
        elif isinstance(slot, BasicType):
            _check_ints([value], slot.typename, where)
        _assign(ros_msg, name, value, where)
    return ros_msg


def _nested_value(value: Any, slot: AbstractNestedType, where: str) -> Any:
    """Turn a repeated/bytes protobuf value into what the ROS array or sequence field takes."""
    _check_size(len(value), slot, where)
    element = slot.value_type
    if isinstance(element, NamespacedType):
        ros_type = _ros_class(element)
        return [_build(item, ros_type, f'{where}[{i}]') for i, item in enumerate(value)]
    if _is_uint8(element):
        data = array.array('B')
        data.frombytes(value)
        return data
    if isinstance(element, BasicType):
        _check_ints(value, element.typename, where)
    return list(value)


def _check_size(size: int, slot: AbstractNestedType, where: str) -> None:
    if isinstance(slot, Array) and size != slot.size:
        raise ValueError(f'{where}: needs exactly {slot.size} elements, got {size}')
    if isinstance(slot, BoundedSequence) and size > slot.maximum_size:
        raise ValueError(f'{where}: at most {slot.maximum_size} elements allowed, got {size}')


def _check_ints(values: Any, typename: str, where: str) -> None:
    bounds = _int_range(typename)
    if bounds is None or not len(values):
        return
    low, high = min(values), max(values)
    if low < bounds[0] or high > bounds[1]:
        bad = low if low < bounds[0] else high
        raise ValueError(f'{where}: {bad} does not fit {typename} [{bounds[0]}, {bounds[1]}]')


def _assign(ros_msg: Any, name: str, value: Any, where: str) -> None:
    """Set a ROS field, turning the generated setter's assertion into an error naming it."""
    try:
        setattr(ros_msg, name, value)
    except (AssertionError, TypeError, ValueError) as error:
        raise ValueError(f'{where}: rejected by the ROS message: {error}') from error
