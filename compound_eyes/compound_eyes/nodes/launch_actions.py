"""launch_ros actions the package's launch files share: their arguments and checked nodes.

Importable only where launch and launch_ros are installed (a ROS 2 distro); the files in
compound_eyes/launch/ are its users. Nodes are built inside OpaqueFunctions, so a params
file is read when the launch runs: a missing or unreadable file raises ConfigError, which
launch reports as one error naming the file before it stops with exit code 1 (launch_ros
itself would only warn and start the node without it).
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from launch import LaunchContext
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare

from compound_eyes.config.ros_yaml import load_node_parameters
from compound_eyes.nodes import client_node as client
from compound_eyes.nodes import recorder_node as recorder
from compound_eyes.nodes import server_node as server

PACKAGE = 'compound_eyes'


def shipped_config(name: str) -> PathJoinSubstitution:
    """Return the installed path of a config file of the package (client.yaml, server.yaml)."""
    return PathJoinSubstitution([FindPackageShare(PACKAGE), 'config', name])


def node_arguments() -> list[DeclareLaunchArgument]:
    """Declare log_level and respawn, which every node of the package takes."""
    return [
        DeclareLaunchArgument(
            'log_level', default_value='info',
            choices=['debug', 'info', 'warn', 'error', 'fatal'],
            description='Log level of the nodes (rcl --log-level).'),
        DeclareLaunchArgument(
            'respawn', default_value='false', choices=['true', 'false'],
            description='Restart a client or server process that died (never the recorder, '
                        'which refuses an existing bag).'),
    ]


def read_parameters(context: LaunchContext, argument: str, node_name: str,
                    path: str | None = None) -> tuple[str, dict]:
    """Return the params file named by a launch argument (or path) and node_name's values.

    Raises ConfigError naming the file when it is missing, unreadable or not a parameter file.
    """
    path = path or LaunchConfiguration(argument).perform(context)
    return path, load_node_parameters(Path(path), node_name)


def _node(executable: str, name: str, namespace: str, parameters: list, *,
          arguments: Sequence[str] = (), respawn: bool = True) -> Node:
    return Node(
        package=PACKAGE, executable=executable, name=name, namespace=namespace,
        parameters=parameters, arguments=list(arguments),
        ros_arguments=['--log-level', LaunchConfiguration('log_level')],
        respawn=LaunchConfiguration('respawn') if respawn else False,
        output='screen', emulate_tty=True)


def client_node(params_file: str, client_id: str, namespace: str) -> Node:
    """Start one client; a non-empty client_id overrides the file's (never blanks it)."""
    parameters: list = [params_file]
    if client_id:
        parameters.append({'client_id': client_id})
    return _node('client', client.NODE_NAME, namespace, parameters)


def server_node(params_file: str, namespace: str) -> Node:
    """Start the phase-delay server."""
    return _node('server', server.NODE_NAME, namespace, [params_file])


def recorder_node(arguments: Sequence[str]) -> Node:
    """Start the recorder with its command-line arguments (output bag first)."""
    return _node('recorder', recorder.NODE_NAME, '', [], arguments=arguments, respawn=False)
