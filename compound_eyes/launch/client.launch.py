"""Start one compound_eyes client: its cameras, capture engine and publishers."""
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.substitutions import LaunchConfiguration

from compound_eyes.nodes.client_node import NODE_NAME
from compound_eyes.nodes.launch_actions import (
    client_node,
    node_arguments,
    read_parameters,
    shipped_config,
)


def _client(context):
    params_file, _ = read_parameters(context, 'params_file', NODE_NAME)
    return [client_node(params_file, LaunchConfiguration('client_id').perform(context),
                        LaunchConfiguration('namespace').perform(context))]


def generate_launch_description():
    return LaunchDescription([
        DeclareLaunchArgument(
            'params_file', default_value=shipped_config('client.yaml'),
            description='ROS parameter file of the client (cameras, fps, format, NTP).'),
        DeclareLaunchArgument(
            'client_id', default_value='',
            description='Client id; empty keeps the one in params_file.'),
        DeclareLaunchArgument(
            'namespace', default_value='',
            description='Namespace of the client node and its topics.'),
        *node_arguments(),
        OpaqueFunction(function=_client),
    ])
