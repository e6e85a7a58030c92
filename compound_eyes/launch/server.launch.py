"""Start the compound_eyes server: the phase-delay loop over every client on the domain."""
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.substitutions import FindPackageShare


def generate_launch_description():
    return LaunchDescription([
        DeclareLaunchArgument(
            'params_file',
            default_value=PathJoinSubstitution(
                [FindPackageShare('compound_eyes'), 'config', 'server.yaml']),
            description='ROS parameter file of the server (reference, rates, timeouts).'),
        DeclareLaunchArgument(
            'namespace', default_value='',
            description='Namespace of the server node.'),
        Node(
            package='compound_eyes',
            executable='server',
            name='compound_eyes_server',
            namespace=LaunchConfiguration('namespace'),
            parameters=[LaunchConfiguration('params_file')],
            output='screen',
            emulate_tty=True,
        ),
    ])
