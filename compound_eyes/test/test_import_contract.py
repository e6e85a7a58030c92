"""The product's imports: the rig never, rclpy only in the ROS adapters, all declared.

Every third-party module the product imports (nodes, verbs, launch files) must be covered by
a dependency in package.xml, so `rosdep install` on a distro brings everything the installed
nodes and verbs need.
"""
from __future__ import annotations

import ast
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / 'compound_eyes'
PACKAGE_XML = PACKAGE.parent / 'package.xml'
LAUNCH_FILES = sorted((PACKAGE.parent / 'launch').glob('*.py'))
# Imported name -> the package.xml key that installs it, where the two differ.
DECLARED_AS = {'compound_eyes_proto': 'compound_eyes_msgs', 'numpy': 'python3-numpy',
               'cv2': 'python3-opencv', 'yaml': 'python3-yaml', 'ntplib': 'python3-ntplib',
               'google': 'python3-protobuf', 'gi': 'python3-gi',
               'matplotlib': 'python3-matplotlib', 'rosbags': 'python3-rosbags-pip',
               'mcap': 'mcap-ros2-support'}
# Where rclpy may be imported: the node adapters. cli/ runs nodes through them.
RCLPY_ROOMS = ('nodes',)


def _imported_roots(path: Path) -> set[str]:
    """Return the top-level names of every module path imports, wherever in the file."""
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split('.')[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            roots.add(node.module.split('.')[0])
    return roots


MODULES = sorted(PACKAGE.rglob('*.py'))


def test_the_contract_sees_the_whole_package():
    rooms = {path.relative_to(PACKAGE).parts[0] for path in MODULES}
    assert {'nodes', 'capture', 'camera', 'clock', 'phase', 'cli'} <= rooms


@pytest.mark.parametrize('path', MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_product_module_imports_the_rig(path):
    assert 'compound_eyes_rig' not in _imported_roots(path)


@pytest.mark.parametrize('path', MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_rclpy_only_in_the_node_adapters(path):
    room = path.relative_to(PACKAGE).parts[0]
    if room not in RCLPY_ROOMS:
        assert 'rclpy' not in _imported_roots(path), f'{room}/ must stay free of rclpy'


def test_the_checker_finds_nested_imports(tmp_path):
    module = tmp_path / 'module.py'
    module.write_text('def f():\n    import rclpy.node\n    from compound_eyes_rig import x\n')
    assert {'rclpy', 'compound_eyes_rig'} <= _imported_roots(module)


def test_every_third_party_import_is_a_declared_runtime_dependency():
    declared = {e.text for e in ET.parse(PACKAGE_XML).getroot() if e.tag == 'exec_depend'}
    imported = set().union(*(_imported_roots(path) for path in MODULES + LAUNCH_FILES))
    third_party = imported - set(sys.stdlib_module_names) - {'compound_eyes'}
    assert {'rclpy', 'rosbags', 'launch_ros'} <= third_party    # the scan sees them
    missing = {name for name in third_party if DECLARED_AS.get(name, name) not in declared}
    assert not missing, f'{PACKAGE_XML} lacks an exec_depend for {sorted(missing)}'
