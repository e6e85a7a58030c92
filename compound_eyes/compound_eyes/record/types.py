"""The rosbags typestore with the project's own interfaces registered.

Types come from the installed compound_eyes_msgs share directory so a bag always carries
exactly the definitions the running nodes were built with; the source tree is the fallback
for running from a checkout without a build.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

from rosbags.typesys import Stores, get_types_from_msg, get_typestore
from rosbags.typesys.store import Typestore

from compound_eyes.interfaces.schema import PACKAGE

_SOURCE_MSG_DIR = Path(__file__).resolve().parents[3] / PACKAGE / 'msg'


def msg_dir() -> Path:
    """Return the directory holding compound_eyes_msgs' .msg files."""
    try:
        from ament_index_python.packages import (
            PackageNotFoundError,
            get_package_share_directory,
        )
        try:
            installed = Path(get_package_share_directory(PACKAGE)) / 'msg'
        except PackageNotFoundError:
            installed = None
    except ImportError:
        installed = None
    for candidate in (installed, _SOURCE_MSG_DIR):
        if candidate is not None and any(candidate.glob('*.msg')):
            return candidate
    raise FileNotFoundError(
        f'no {PACKAGE} .msg files: neither the ament index nor {_SOURCE_MSG_DIR} has them')


@cache
def typestore() -> Typestore:
    """Return a Kilted typestore extended with every compound_eyes_msgs message."""
    store = get_typestore(Stores.ROS2_KILTED)
    types = {}
    for path in sorted(msg_dir().glob('*.msg')):
        types.update(get_types_from_msg(path.read_text(), f'{PACKAGE}/msg/{path.stem}'))
    store.register(types)
    return store
