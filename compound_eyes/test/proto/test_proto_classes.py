"""The protobuf classes built from compound_eyes_msgs/proto import and read their own bytes."""
from __future__ import annotations

from compound_eyes_proto import compound_eyes_pb2, video_pb2


def test_interface_classes_are_in_the_compound_eyes_package():
    names = {'CameraFrame', 'SyncedFrameSet', 'PhaseDelay', 'ClientSyncStatus', 'SyncStatus',
             'ClockStatus', 'Image', 'CompressedImage', 'Header', 'Time'}
    for name in names:
        assert getattr(compound_eyes_pb2, name).DESCRIPTOR.full_name == f'compound_eyes.{name}'


def test_legacy_video_round_trips():
    video = video_pb2.Video()
    frame = video.frames.add(timestamp=1_700_000_000_123_456_789, cols=4, rows=2, channels=3,
                             format='bgr8', image_bytes=bytes(range(24)), channel_id='cam0')
    parsed = video_pb2.Video.FromString(video.SerializeToString())
    assert parsed.frames[0] == frame
    assert video_pb2.Video.DESCRIPTOR.full_name == 'compound_eyes.legacy.Video'
