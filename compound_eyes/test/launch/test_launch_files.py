"""The launch files against the real launch_ros API (skipped where launch_ros is missing)."""
import ast
import importlib.util
from pathlib import Path

import pytest

LAUNCH_DIR = Path(__file__).resolve().parents[2] / 'launch'

SKIP_REASON = ('launch_ros is not installable from wheels (only on a ROS 2 distro); '
               'the CLI verbs `client`/`server` run the same nodes without it')


@pytest.fixture(scope='module')
def launch():
    pytest.importorskip('launch_ros', reason=SKIP_REASON)
    return pytest.importorskip('launch', reason=SKIP_REASON)


def test_launch_files_start_executables_the_package_installs():
    entry_points = (LAUNCH_DIR.parent / 'setup.py').read_text()
    for name, executable in (('client.launch.py', 'client'), ('server.launch.py', 'server')):
        tree = ast.parse((LAUNCH_DIR / name).read_text(), name)
        executables = {kw.value.value for node in ast.walk(tree) if isinstance(node, ast.Call)
                       for kw in node.keywords if kw.arg == 'executable'}
        assert executables == {executable}
        assert f"'{executable} = compound_eyes.nodes." in entry_points


def _description(name: str):
    spec = importlib.util.spec_from_file_location(name, LAUNCH_DIR / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.generate_launch_description()


@pytest.mark.parametrize('name, arguments', [
    ('client.launch.py', {'params_file', 'client_id', 'namespace'}),
    ('server.launch.py', {'params_file', 'namespace'}),
])
def test_launch_file_declares_its_arguments(launch, name, arguments):
    description = _description(name)
    assert isinstance(description, launch.LaunchDescription)
    declared = {arg.name for arg in description.get_launch_arguments()}
    assert arguments <= declared
