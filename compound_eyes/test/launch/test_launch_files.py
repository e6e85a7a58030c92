"""The launch files: their structure here, their behaviour where launch_ros is installed."""
import ast
import importlib.util
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parents[2]
LAUNCH_DIR = PACKAGE_DIR / 'launch'
ACTIONS = PACKAGE_DIR / 'compound_eyes' / 'nodes' / 'launch_actions.py'

SKIP_REASON = ('launch_ros is not installable from wheels (only on a ROS 2 distro); '
               'the CLI verbs `client`/`server`/`record` run the same nodes without it')

# Which node helpers each launch file calls, and the arguments it declares.
NODES = {'client.launch.py': {'client_node'}, 'server.launch.py': {'server_node'},
         'rig.launch.py': {'server_node', 'client_node', 'recorder_node'}}
ARGUMENTS = {
    'client.launch.py': {'params_file', 'client_id', 'namespace', 'log_level', 'respawn'},
    'server.launch.py': {'params_file', 'namespace', 'log_level', 'respawn'},
    'rig.launch.py': {'server_params_file', 'client_params_files', 'record', 'bag',
                      'log_level', 'respawn'},
}


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), str(path))


def _called(tree: ast.Module) -> set[str]:
    """Names of the functions a module calls by name."""
    return {node.func.id for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)}


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def test_every_launch_file_is_checked():
    assert {p.name for p in LAUNCH_DIR.glob('*.launch.py')} == set(NODES)


def test_helpers_start_executables_the_package_installs():
    entry_points = (PACKAGE_DIR / 'setup.py').read_text()
    functions = _functions(_tree(ACTIONS))
    for helper, executable in (('client_node', 'client'), ('server_node', 'server'),
                               ('recorder_node', 'recorder')):
        started = {call.args[0].value for call in ast.walk(functions[helper])
                   if isinstance(call, ast.Call) and getattr(call.func, 'id', '') == '_node'}
        assert started == {executable}, helper
        assert f"'{executable} = compound_eyes.nodes." in entry_points


@pytest.mark.parametrize('name', sorted(NODES))
def test_launch_file_starts_its_nodes_after_reading_their_params_files(name):
    tree = _tree(LAUNCH_DIR / name)
    called = _called(tree)
    assert NODES[name] <= called
    # Read in an OpaqueFunction at launch time: a missing file raises, launch stops with 1.
    assert {'read_parameters', 'OpaqueFunction', 'node_arguments'} <= called


def test_respawn_is_off_unless_asked_and_never_for_the_recorder():
    tree = _tree(ACTIONS)
    declared = {call.args[0].value: {kw.arg: kw.value for kw in call.keywords}
                for call in ast.walk(tree) if isinstance(call, ast.Call)
                and getattr(call.func, 'id', '') == 'DeclareLaunchArgument'}
    assert declared['respawn']['default_value'].value == 'false'
    assert 'log_level' in declared
    recorder = _functions(tree)['recorder_node']
    calls = [c for c in ast.walk(recorder) if isinstance(c, ast.Call)
             and getattr(c.func, 'id', '') == '_node']
    assert [kw.value.value for c in calls for kw in c.keywords if kw.arg == 'respawn'] == [False]


@pytest.fixture(scope='module')
def launch():
    pytest.importorskip('launch_ros', reason=SKIP_REASON)
    return pytest.importorskip('launch', reason=SKIP_REASON)


def _description(name: str):
    spec = importlib.util.spec_from_file_location(name.split('.')[0], LAUNCH_DIR / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate_launch_description()


@pytest.mark.parametrize('name', sorted(ARGUMENTS))
def test_launch_file_declares_its_arguments(launch, name):
    description = _description(name)
    assert isinstance(description, launch.LaunchDescription)
    assert {arg.name for arg in description.get_launch_arguments()} == ARGUMENTS[name]


@pytest.mark.parametrize('name, argument', [('client.launch.py', 'params_file'),
                                            ('server.launch.py', 'params_file'),
                                            ('rig.launch.py', 'client_params_files')])
def test_missing_params_file_stops_the_launch(launch, name, argument, tmp_path, ros_env):
    from launch.actions import IncludeLaunchDescription
    from launch.launch_description_sources import PythonLaunchDescriptionSource

    missing = tmp_path / 'missing.yaml'
    service = launch.LaunchService()
    service.include_launch_description(launch.LaunchDescription([IncludeLaunchDescription(
        PythonLaunchDescriptionSource(str(LAUNCH_DIR / name)),
        launch_arguments=[(argument, str(missing))])]))
    assert service.run() == 1
