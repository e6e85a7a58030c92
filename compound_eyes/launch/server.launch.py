"""Start the compound_eyes server: the phase-delay loop over every client on the domain."""
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.substitutions import LaunchConfiguration

from compound_eyes.nodes.launch_actions import (
    node_arguments,
    read_parameters,
    server_node,
    shipped_config,
)
from compound_eyes.nodes.server_node import NODE_NAME


def _server(context):
    params_file, _ = read_parameters(context, 'params_file', NODE_NAME)
    return [server_node(params_file, LaunchConfiguration('namespace').perform(context))]


def generate_launch_description():
    return LaunchDescription([
        DeclareLaunchArgument(
            'params_file', default_value=shipped_config('server.yaml'),
            description='ROS parameter file of the server (reference, rates, timeouts).'),
        DeclareLaunchArgument(
            'namespace', default_value='',
            description='Namespace of the server node.'),
        *node_arguments(),
        OpaqueFunction(function=_server),
    ])
