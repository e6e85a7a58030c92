"""Run a node's main in this process with a validated parameter file, as `ros2 run` would."""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from compound_eyes.config.errors import ConfigError


def ros_arguments(params_file: Path | None, namespace: str | None,
                  overrides: dict[str, str]) -> list[str]:
    """Translate CLI options into rcl's --ros-args (params file, namespace, -p overrides)."""
    args = ['--ros-args']
    if params_file is not None:
        args += ['--params-file', str(params_file)]
    if namespace:
        args += ['-r', f'__ns:={namespace if namespace.startswith("/") else "/" + namespace}']
    for name, value in overrides.items():
        args += ['-p', f'{name}:={value}']
    return args


PROFILE_VARIABLE = 'FASTDDS_DEFAULT_PROFILES_FILE'


def use_large_frame_profile() -> None:
    """Give Fast DDS 4 MiB socket buffers unless the user chose a profile of their own."""
    if PROFILE_VARIABLE in os.environ:
        return
    from ament_index_python.packages import get_package_share_directory

    share = Path(get_package_share_directory('compound_eyes'))
    os.environ[PROFILE_VARIABLE] = str(share / 'config' / 'fastdds_large_frames.xml')


def run_node(node_main: Callable[[list[str]], int], validate: Callable[[], object],
             ros_args: list[str]) -> int:
    """Validate the configuration first so a bad file fails before any process starts."""
    try:
        validate()
    except ConfigError as error:
        print(f'compound-eyes: configuration error: {error}')
        return 2
    use_large_frame_profile()
    return node_main(ros_args)
