"""Start one compound_eyes client: its cameras, capture engine and publishers."""
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare


def _client_node(context):
    # client_id overrides the file only when given, so the file's id is not blanked.
    client_id = LaunchConfiguration('client_id').perform(context)
    parameters = [LaunchConfiguration('params_file')]
    if client_id:
        parameters.append({'client_id': client_id})
    return [Node(
        package='compound_eyes',
        executable='client',
        name='compound_eyes_client',
        namespace=LaunchConfiguration('namespace'),
        parameters=parameters,
        output='screen',
        emulate_tty=True,
    )]


def generate_launch_description():
    return LaunchDescription([
        DeclareLaunchArgument(
            'params_file',
            default_value=PathJoinSubstitution(
                [FindPackageShare('compound_eyes'), 'config', 'client.yaml']),
            description='ROS parameter file of the client (cameras, fps, format, NTP).'),
        DeclareLaunchArgument(
            'client_id', default_value='',
            description='Client id; empty keeps the one in params_file.'),
        DeclareLaunchArgument(
            'namespace', default_value='',
            description='Namespace of the client node and its topics.'),
        OpaqueFunction(function=_client_node),
    ])
