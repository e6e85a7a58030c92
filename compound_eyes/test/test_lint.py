"""Every package's Python passes ruff with the repository's ruff.toml (style, docs, imports)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / 'ruff.toml'


def _ruff() -> list[str]:
    """Prefer the ruff next to this interpreter (the project venv), then any on PATH."""
    beside = Path(sys.executable).parent / 'ruff'
    if beside.exists():
        return [str(beside)]
    found = shutil.which('ruff')
    if found is None:
        pytest.fail('ruff is not installed; it is pinned in requirements.txt')
    return [found]


def _check(target: Path) -> None:
    result = subprocess.run([*_ruff(), 'check', '--config', str(CONFIG), '--no-cache',
                             str(target)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, f'ruff check {target}:\n{result.stdout}{result.stderr}'


@pytest.mark.parametrize('package', ['compound_eyes', 'compound_eyes_rig'])
def test_python_package_and_tests_pass_ruff(package):
    _check(ROOT / package)


def test_shared_fixtures_pass_ruff():
    _check(ROOT / 'conftest.py')


def test_launch_files_pass_ruff():
    launch = ROOT / 'compound_eyes' / 'launch'
    if not any(launch.glob('*.py')):
        pytest.skip('no launch files yet')
    _check(launch)
