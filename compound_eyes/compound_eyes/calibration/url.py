"""Where a camera's calibration file lives, from a camera_info_url as camera drivers take it.

Accepted forms: ``file:///absolute/path.yaml``, ``package://<package>/<path in its share
folder>``, and empty for the default ``file://${ROS_HOME}/camera_info/${NAME}.yaml``.
``${NAME}`` (the camera name) and ``${ROS_HOME}`` (``$ROS_HOME``, else ``~/.ros``) may appear
in any URL.
"""
from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

DEFAULT_URL = 'file://${ROS_HOME}/camera_info/${NAME}.yaml'
_CAMERA_NAME = re.compile(r'[A-Za-z0-9_]+')


class CalibrationUrlError(ValueError):
    """A camera_info_url or camera name that cannot name a file."""


def check_camera_name(name: str) -> str:
    """Return name if it can be part of a file name and a ROS name (letters, digits, _)."""
    if not _CAMERA_NAME.fullmatch(name):
        raise CalibrationUrlError(f'camera_name must be letters, digits and _, got {name!r}')
    return name


def ros_home(env: Mapping[str, str] = os.environ) -> Path:
    """Return the ROS home folder: $ROS_HOME, else ~/.ros."""
    return Path(env.get('ROS_HOME') or Path(env.get('HOME', '~')).expanduser() / '.ros')


def resolve(url: str, camera_name: str, env: Mapping[str, str] = os.environ) -> Path:
    """Return the calibration file that url names for camera_name."""
    check_camera_name(camera_name)
    expanded = (url or DEFAULT_URL).replace('${NAME}', camera_name).replace(
        '${ROS_HOME}', str(ros_home(env)))
    if expanded.startswith('file://'):
        path = Path(expanded[len('file://'):])
        if not path.is_absolute():
            raise CalibrationUrlError(f'camera_info_url {url!r}: file:// needs an absolute path')
        return path
    if expanded.startswith('package://'):
        return _package_path(url, expanded[len('package://'):])
    raise CalibrationUrlError(f'camera_info_url {url!r}: only file:// and package:// are '
                              'supported')


def _package_path(url: str, rest: str) -> Path:
    package, _, relative = rest.partition('/')
    if not package or not relative:
        raise CalibrationUrlError(f'camera_info_url {url!r}: package://<package>/<path>')
    from ament_index_python.packages import PackageNotFoundError, get_package_share_directory

    try:
        return Path(get_package_share_directory(package)) / relative
    except PackageNotFoundError:
        raise CalibrationUrlError(f'camera_info_url {url!r}: package {package!r} is not '
                                  'installed') from None
