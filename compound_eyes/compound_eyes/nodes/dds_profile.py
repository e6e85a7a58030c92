"""The Fast DDS profile shipped with the package, used unless the user chose one of their own.

Fast DDS reads FASTDDS_DEFAULT_PROFILES_FILE when a process creates its first participant,
so every entry point sets it before rclpy.init; children inherit it.
"""
from __future__ import annotations

import os
from pathlib import Path

PROFILE_VARIABLE = 'FASTDDS_DEFAULT_PROFILES_FILE'
PROFILE_FILE = 'fastdds_large_frames.xml'


def shipped_profile() -> Path:
    """Return the installed profile (large socket buffers and shm segment, 0.5 s announcements)."""
    from ament_index_python.packages import get_package_share_directory

    return Path(get_package_share_directory('compound_eyes')) / 'config' / PROFILE_FILE


def use_large_frame_profile() -> None:
    """Point Fast DDS at the shipped profile unless the variable is already set."""
    if PROFILE_VARIABLE not in os.environ:
        os.environ[PROFILE_VARIABLE] = str(shipped_profile())
