"""Constants of compound_eyes_msgs, the message type names and the topic names, in one place.

Everything that compares a field with a constant or names a topic or type takes it from here:
the nodes, the rclpy-free core (recording, export, report) and the rig. It lives outside nodes/
because the core needs it without the ROS adapters. The values mirror the .msg files, which
stay the source of truth; compound_eyes/test/interfaces/test_schema.py parses them and fails
when a constant here and there differ or one side has a constant the other lacks.
"""
from __future__ import annotations

import enum

PACKAGE = 'compound_eyes_msgs'


class StampSource(enum.IntEnum):
    """How a capture stamp was obtained: CameraFrame.STAMP_<name>."""

    DRIVER_BUFFER = 0
    READ_RETURN = 1
    SYNTHETIC_TRUTH = 2


class Payload(enum.IntEnum):
    """Which image field of a CameraFrame carries the pixels: CameraFrame.PAYLOAD_<name>."""

    NONE = 0
    RAW = 1
    COMPRESSED = 2


class LockState(enum.IntEnum):
    """A client's lock state as the server reports it: ClientSyncStatus.<name>."""

    ACQUIRING = 0
    LOCKED = 1
    LOST = 2


# Message types, as rosbag2 and the ROS graph name them.
SYNCED_FRAME_SET_TYPE = f'{PACKAGE}/msg/SyncedFrameSet'
FRAME_SET_TIMING_TYPE = f'{PACKAGE}/msg/FrameSetTiming'
CLOCK_STATUS_TYPE = f'{PACKAGE}/msg/ClockStatus'
SYNC_STATUS_TYPE = f'{PACKAGE}/msg/SyncStatus'
PHASE_DELAY_TYPE = f'{PACKAGE}/msg/PhaseDelay'
DIAGNOSTIC_ARRAY_TYPE = 'diagnostic_msgs/msg/DiagnosticArray'
IMAGE_TYPE = 'sensor_msgs/msg/Image'
COMPRESSED_IMAGE_TYPE = 'sensor_msgs/msg/CompressedImage'
CAMERA_INFO_TYPE = 'sensor_msgs/msg/CameraInfo'

# Topics. Relative names live in each client's namespace; absolute ones are shared by all.
SYNCED_FRAMES = 'synced_frames'                     # SyncedFrameSet, with pixels
SYNCED_FRAMES_TIMING = f'{SYNCED_FRAMES}/timing'    # FrameSetTiming, the server's input
CLOCK_STATUS = 'clock_status'                       # ClockStatus
PHASE_DELAY = 'phase_delay'                         # PhaseDelay: each client's own commands
SYNC_STATUS = '/sync_status'                        # SyncStatus
DIAGNOSTICS = '/diagnostics'                        # DiagnosticArray
# Per-camera views of the synced frames, under <namespace>/<channel>/ (camera_topic()).
IMAGE_RAW = 'image_raw'                             # sensor_msgs/Image
IMAGE_COMPRESSED = f'{IMAGE_RAW}/compressed'        # sensor_msgs/CompressedImage
CAMERA_INFO = 'camera_info'                         # sensor_msgs/CameraInfo
SET_CAMERA_INFO = 'set_camera_info'                 # service sensor_msgs/srv/SetCameraInfo


def camera_topic(channel_id: str, name: str) -> str:
    """Return the relative name of a channel's topic or service: <channel>/<name>."""
    return f'{channel_id}/{name}'


def is_client_timing(name: str, types: list[str]) -> bool:
    """Tell whether a graph topic is a client's timing topic (how the server finds clients)."""
    return FRAME_SET_TIMING_TYPE in types


def command_topic(timing_topic: str) -> str:
    """Return the PhaseDelay topic of the client publishing on timing_topic.

    Commands go to the namespace the client's timing sets come from, so each client reads
    only its own: `/<ns>/synced_frames/timing` -> `/<ns>/phase_delay`. A timing topic of
    another name has its commands next to it, in the topic's own namespace.
    """
    suffix = f'/{SYNCED_FRAMES_TIMING}'
    namespace = (timing_topic.removesuffix(suffix) if timing_topic.endswith(suffix)
                 else timing_topic.rpartition('/')[0])
    return f'{namespace}/{PHASE_DELAY}'
