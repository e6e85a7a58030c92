"""Start a whole rig on one host: the server, one client per params file, and a recorder.

Each client runs in the namespace of the client_id its file sets, so client files must name
different clients. The recorder writes every client's sets plus status and diagnostics.
"""
import time

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.substitutions import LaunchConfiguration

from compound_eyes.config.errors import ConfigError
from compound_eyes.nodes import client_node as client
from compound_eyes.nodes import server_node as server
from compound_eyes.nodes.launch_actions import (
    client_node,
    node_arguments,
    read_parameters,
    recorder_node,
    server_node,
    shipped_config,
)


def _clients(context):
    nodes, files_by_id = [], {}
    for path in LaunchConfiguration('client_params_files').perform(context).split():
        _, parameters = read_parameters(context, 'client_params_files', client.NODE_NAME,
                                        path)
        client_id = str(parameters.get('client_id') or '')
        if not client_id:
            raise ConfigError('client_id', 'must be set to run in a rig', path)
        if client_id in files_by_id:
            raise ConfigError('client_id', f'{client_id!r} is also the id in '
                              f'{files_by_id[client_id]}', path)
        files_by_id[client_id] = path
        nodes.append(client_node(path, '', client_id))
    if not nodes:
        raise ConfigError('client_params_files', 'names no file')
    return nodes


def _rig(context):
    server_file, _ = read_parameters(context, 'server_params_file', server.NODE_NAME)
    nodes = [server_node(server_file, ''), *_clients(context)]
    if LaunchConfiguration('record').perform(context) == 'true':
        bag = (LaunchConfiguration('bag').perform(context)
               or time.strftime('compound_eyes_%Y%m%d-%H%M%S'))
        nodes.append(recorder_node([bag, '--status', '--diagnostics']))
    return nodes


def generate_launch_description():
    return LaunchDescription([
        DeclareLaunchArgument(
            'server_params_file', default_value=shipped_config('server.yaml'),
            description='ROS parameter file of the server.'),
        DeclareLaunchArgument(
            'client_params_files', default_value=shipped_config('client.yaml'),
            description='Parameter files of the clients, separated by spaces; each sets a '
                        'different client_id, which is also the client\'s namespace.'),
        DeclareLaunchArgument(
            'record', default_value='true', choices=['true', 'false'],
            description='Record every client\'s sets, status and diagnostics.'),
        DeclareLaunchArgument(
            'bag', default_value='',
            description='Bag directory to create (must not exist); empty: '
                        'compound_eyes_<date>-<time> in the working directory.'),
        *node_arguments(),
        OpaqueFunction(function=_rig),
    ])
