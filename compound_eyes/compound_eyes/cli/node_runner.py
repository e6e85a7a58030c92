"""Run a node's main in this process with a validated parameter file, as `ros2 run` would."""
from __future__ import annotations

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


def run_node(node_main: Callable[[list[str]], int], validate: Callable[[], object],
             ros_args: list[str]) -> int:
    """Validate the configuration first so a bad file fails before any process starts."""
    try:
        validate()
    except ConfigError as error:
        print(f'compound-eyes: configuration error: {error}')
        return 2
    return node_main(ros_args)
