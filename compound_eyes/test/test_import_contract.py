"""The product's layering: the rig is never imported, rclpy only by the ROS adapters."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / 'compound_eyes'
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
