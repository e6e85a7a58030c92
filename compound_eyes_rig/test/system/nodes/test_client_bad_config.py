"""Bad client files stop start-up quickly with one line naming the key, leaving nothing behind.

The node validates its own parameters, so the CLI and the node executable fail the same way.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from client_launch import (  # noqa: E402
    client_command,
    session_processes,
    shm_segments,
    write_client_params,
)

CASES = {
    'duplicate channel': ({'camera_config': {'channels': ['cam0', 'cam0'],
                                             'cam0': {'camera_id': 'synthetic:triggered'}}},
                          'camera_config.channels', 'duplicate'),
    'unknown key in a group': ({'qos': {'reliability': 'reliable', 'colour': 'red'}},
                               'qos.colour', 'unknown key'),
    'initial delay beyond the period': ({'initial_delay_ms': 40.0}, 'initial_delay_ms',
                                        'tick period'),
    'zero fps': ({'fps': 0.0}, 'fps', '> 0'),
    'negative fps': ({'fps': -30.0}, 'fps', '> 0'),
    'unknown source option': ({'camera_config': {
        'channels': ['cam0'], 'cam0': {'camera_id': 'synthetic:triggered', 'exposure_boost': 3}}},
        'camera_config.cam0', 'exposure_boost'),
}


def _run(processes, env: dict[str, str], params: Path, how: str) -> tuple[int, str, float]:
    """Run a client to its exit; return the code, its whole output and the seconds it took."""
    started = time.monotonic()
    command = client_command(params, 'bad', how)
    start = processes.python if how == 'cli' else processes.start
    proc = start(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output, _ = proc.communicate(timeout=30)
    assert not session_processes(proc.pid) and not shm_segments(proc.pid)
    return proc.returncode, output.strip(), time.monotonic() - started


def _assert_rejected_naming_the_key(tmp_path, ros_env, processes, case: str, how: str) -> None:
    overrides, key, problem = CASES[case]
    params = write_client_params(tmp_path / 'client.yaml', 'bad_client', **overrides)
    code, output, seconds = _run(processes, ros_env, params, how)
    assert code == 2 and seconds < 15
    assert len(output.splitlines()) == 1, output
    assert f'configuration error: {key}: ' in output and problem in output
    assert str(params) in output


@pytest.mark.parametrize('case', CASES)
def test_cli_rejects_bad_file_naming_the_key(tmp_path, ros_env, processes, case):
    _assert_rejected_naming_the_key(tmp_path, ros_env, processes, case, 'cli')


def test_node_executable_rejects_bad_parameters_naming_the_key(tmp_path, ros_env, processes):
    _assert_rejected_naming_the_key(tmp_path, ros_env, processes, 'unknown source option',
                                    'executable')


@pytest.mark.parametrize('text', [None, 'a: [1,\n'], ids=['missing', 'not YAML'])
def test_cli_rejects_a_file_rcl_cannot_parse_naming_it(tmp_path, ros_env, processes, text):
    params = tmp_path / 'client.yaml'
    if text is not None:
        params.write_text(text)
    code, output, seconds = _run(processes, ros_env, params, 'cli')
    assert code == 2 and seconds < 15
    assert len(output.splitlines()) == 1, output
    assert "configuration error: Couldn't parse params file" in output and str(params) in output
