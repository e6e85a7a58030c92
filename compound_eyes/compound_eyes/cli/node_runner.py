"""Run a node's main in this process with a parameter file, as `ros2 run` would."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

CONFIG_ERROR_EXIT = 2


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


def run_node(node_main: Callable[[list[str]], int], ros_args: list[str]) -> int:
    """Run the node; a file or argument rcl cannot parse fails first, in one line.

    The node validates its parameters itself before it starts anything (exit 2 with the key
    and the file), so the CLI and `ros2 run` share that code. The node's main loads the
    shipped Fast DDS profile, as under `ros2 run`.
    """
    from compound_eyes.nodes.parameters import ros_arguments_error

    problem = ros_arguments_error(ros_args)
    if problem:
        print(f'compound-eyes: configuration error: {problem}')   # rcl names file or argument
        return CONFIG_ERROR_EXIT
    return node_main(ros_args)
