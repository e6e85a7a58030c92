"""The ROS <-> protobuf converter keeps every field and rejects values that do not fit."""
from __future__ import annotations

from array import array

import numpy as np
import pytest
from builtin_interfaces.msg import Time
from compound_eyes_msgs.msg import (
    CameraFrame,
    ClientSyncStatus,
    ClockStatus,
    FrameSetTiming,
    PhaseDelay,
    SyncedFrameSet,
    SyncStatus,
)
from compound_eyes_proto import compound_eyes_pb2
from proto_sample import default_leaves, digest, fill_every_field, sample_frame_set
from rclpy.serialization import serialize_message
from rosbags.typesys import Stores, get_types_from_msg, get_typestore

from compound_eyes.interfaces.schema import PHASE_DELAY_TYPE, SYNCED_FRAME_SET_TYPE
from compound_eyes.proto.convert import from_proto, to_proto
from compound_eyes.record.types import msg_dir, typestore


def _through_wire(ros_msg):
    """Convert, serialize, parse back and convert again, as a reader of a recording would."""
    pb_msg = to_proto(ros_msg)
    parsed = type(pb_msg)()
    parsed.ParseFromString(pb_msg.SerializeToString())
    return from_proto(parsed)


def test_synced_frame_set_round_trip_keeps_every_field():
    original = sample_frame_set(frames=3)
    assert default_leaves(digest(original)) == []
    assert {f.payload for f in original.frames} == {CameraFrame.PAYLOAD_RAW,
                                                    CameraFrame.PAYLOAD_COMPRESSED}
    back = _through_wire(original)
    assert type(back) is SyncedFrameSet
    assert digest(back) == digest(original)
    assert back == original
    assert back.frames[0].image.data.tobytes() == original.frames[0].image.data.tobytes()


@pytest.mark.parametrize('ros_type', [CameraFrame, ClientSyncStatus, ClockStatus,
                                      FrameSetTiming, PhaseDelay, SyncStatus, Time])
def test_every_interface_round_trips(ros_type):
    original = fill_every_field(ros_type())
    assert default_leaves(digest(original)) == []
    back = _through_wire(original)
    assert digest(back) == digest(original)


def test_proto_fields_carry_the_values():
    frame_set = sample_frame_set(frames=2)
    pb_msg = to_proto(frame_set)
    assert isinstance(pb_msg, compound_eyes_pb2.SyncedFrameSet)
    assert pb_msg.header.stamp.sec == frame_set.header.stamp.sec
    assert pb_msg.frames[1].image.data == frame_set.frames[1].image.data.tobytes()
    assert pb_msg.frames[1].compressed_image.format == 'bgr8; jpeg compressed bgr8'
    assert list(pb_msg.missing_channel_ids) == list(frame_set.missing_channel_ids)
    assert compound_eyes_pb2.CameraFrame.PAYLOAD_COMPRESSED == CameraFrame.PAYLOAD_COMPRESSED


def test_value_too_big_for_the_ros_field_is_rejected_naming_it():
    pb_msg = to_proto(sample_frame_set(frames=2))
    pb_msg.frames[1].stamp_source = 300   # proto uint32, ROS uint8
    with pytest.raises(ValueError, match=r'SyncedFrameSet\.frames\[1\]\.stamp_source.*uint8'):
        from_proto(pb_msg)


def test_out_of_range_nested_field_is_rejected_and_negative_seconds_kept():
    with pytest.raises(ValueError, match=r'Image\.is_bigendian: 256'):
        from_proto(compound_eyes_pb2.Image(is_bigendian=256))
    pb_msg = compound_eyes_pb2.Header()
    pb_msg.stamp.sec = -5
    assert from_proto(pb_msg).stamp.sec == -5


def test_mismatched_types_are_refused():
    with pytest.raises(TypeError, match='expected protobuf compound_eyes.PhaseDelay'):
        from_proto(compound_eyes_pb2.ClockStatus(), PhaseDelay)


def test_a_rosbags_object_converts_like_the_rclpy_message():
    original = sample_frame_set(frames=3)
    from_bag = typestore().deserialize_cdr(serialize_message(original), SYNCED_FRAME_SET_TYPE)
    assert to_proto(from_bag) == to_proto(original)


def test_a_rosbags_type_of_another_revision_is_refused_naming_the_fields():
    store = get_typestore(Stores.ROS2_KILTED)
    text = (msg_dir() / 'PhaseDelay.msg').read_text() + 'float32 confidence\n'
    store.register(get_types_from_msg(text, PHASE_DELAY_TYPE))
    newer = store.types[PHASE_DELAY_TYPE]
    plain = PhaseDelay()   # every field but the stamps, at its default, as rosbags takes it
    fields = {name: np.asarray(value) if isinstance(value, array) else value
              for name, value in ((n, getattr(plain, n))
                                  for n in plain.get_fields_and_field_types())
              if name not in ('header', 'expires')}
    header = store.types['std_msgs/msg/Header'](
        stamp=store.types['builtin_interfaces/msg/Time'](sec=0, nanosec=0), frame_id='')
    expires = store.types['builtin_interfaces/msg/Time'](sec=0, nanosec=0)
    with pytest.raises(TypeError, match='PhaseDelay.*confidence'):
        to_proto(newer(header=header, expires=expires, confidence=0.5, **fields))
