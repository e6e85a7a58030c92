"""The Fast DDS profile shipped with the package, used unless the user chose one of their own."""
from __future__ import annotations

import os
from pathlib import Path

PROFILE_VARIABLE = 'FASTDDS_DEFAULT_PROFILES_FILE'


def use_large_frame_profile() -> None:
    """Point Fast DDS at the shipped profile (large buffers, shm segment) unless already set."""
    if PROFILE_VARIABLE in os.environ:
        return
    from ament_index_python.packages import get_package_share_directory

    share = Path(get_package_share_directory('compound_eyes'))
    os.environ[PROFILE_VARIABLE] = str(share / 'config' / 'fastdds_large_frames.xml')
