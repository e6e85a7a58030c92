"""The Fast DDS profile shipped with the package, used unless the user chose one of their own.

Fast DDS reads FASTDDS_DEFAULT_PROFILES_FILE when a process creates its first participant,
so every entry point sets it before rclpy.init; children inherit it.
"""
from __future__ import annotations

import os
from pathlib import Path

PROFILE_VARIABLE = 'FASTDDS_DEFAULT_PROFILES_FILE'
PROFILE_FILE = 'fastdds_large_frames.xml'
# rmw_fastrtps overrides the profile's history memory policies unless this is '1'
QOS_FROM_PROFILE_VARIABLE = 'RMW_FASTRTPS_USE_QOS_FROM_XML'


def shipped_profile() -> Path:
    """Return the installed profile (large socket buffers and shm segment, 0.5 s announcements)."""
    from ament_index_python.packages import get_package_share_directory

    return Path(get_package_share_directory('compound_eyes')) / 'config' / PROFILE_FILE


def use_large_frame_profile(*, readers_sized_per_sample: bool = False) -> None:
    """Point Fast DDS at the shipped profile unless the variable is already set.

    readers_sized_per_sample also lets the profile's memory policies through, so that readers
    free each sample's payload once it is taken instead of pooling payloads that keep their
    largest size: for a process that subscribes to whatever a peer publishes (the recorder).
    Only while the shipped profile is the one in use (set here or by a parent process): a
    user's own file would then apply unaltered.
    """
    shipped = str(shipped_profile())
    os.environ.setdefault(PROFILE_VARIABLE, shipped)
    if readers_sized_per_sample and os.environ[PROFILE_VARIABLE] == shipped:
        os.environ.setdefault(QOS_FROM_PROFILE_VARIABLE, '1')
