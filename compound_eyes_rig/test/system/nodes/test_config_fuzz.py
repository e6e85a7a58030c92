"""Every key of the shipped parameter files, spoiled: exit 2, one line naming key and file.

Each key of compound_eyes/config/client.yaml and server.yaml gets a wrong type, numbers out of
range, NaN and infinities, unicode and a 100 kB string. The CLI verb runs in this process (its
node validates before it starts anything), so each case costs one rclpy init, and the test
checks that no child process and no shared-memory segment was left; a few cases run as real
`compound-eyes` processes too. Camera channels cam1..cam3 have cam0's shape and are skipped.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml

from compound_eyes.capture.shm_ring import segment_prefix
from compound_eyes.cli.main import main as cli_main
from compound_eyes.config.ros_yaml import ALL_NODES, PARAMS_KEY, flatten, unflatten

sys.path.insert(0, str(Path(__file__).parent))
from client_launch import session_processes, shm_segments  # noqa: E402

CONFIG = Path(__file__).resolve().parents[4] / 'compound_eyes' / 'config'
SAME_AS_CAM0 = ('camera_config.cam1.', 'camera_config.cam2.', 'camera_config.cam3.')
LONG = 'x' * 100_000
UNICODE = 'ψ𝔘ni\u202ecode\u200b'
WATCHDOG_S = 20.0    # a case the node accepted would run until stopped


def _mutations(value: Any) -> dict[str, Any]:
    """Spoiled values for one key, by the kind of its shipped value."""
    spoiled: dict[str, Any] = {'unicode': UNICODE, 'long string': LONG}
    if isinstance(value, bool):
        spoiled['wrong type'] = 'true'
    elif isinstance(value, int | float):
        spoiled.update({'wrong type': 'ten', 'nan': float('nan'), 'inf': float('inf'),
                        '-inf': float('-inf')})
        huge = 2 ** 62 if isinstance(value, int) else 1e300
        spoiled.update({'huge': huge, '-huge': -huge})
    else:
        spoiled.update({'wrong type': [1, 2] if isinstance(value, list) else 12345,
                        'bool': True})
    return spoiled


def _cases() -> list[tuple[str, str, str, Any]]:
    cases = []
    for verb in ('client', 'server'):
        params = yaml.safe_load((CONFIG / f'{verb}.yaml').read_text())[ALL_NODES][PARAMS_KEY]
        for key, value in flatten(params).items():
            if not key.startswith(SAME_AS_CAM0):
                cases += [(verb, key, kind, bad) for kind, bad in _mutations(value).items()]
    return cases


CASES = _cases()


def _spoiled_file(tmp_path: Path, verb: str, key: str, bad: Any) -> Path:
    params = flatten(yaml.safe_load((CONFIG / f'{verb}.yaml').read_text())[ALL_NODES][PARAMS_KEY])
    params[key] = bad
    path = tmp_path / f'{verb}.yaml'
    path.write_text(yaml.safe_dump({ALL_NODES: {PARAMS_KEY: unflatten(params)}},
                                   allow_unicode=True))
    return path


def _names_key(line: str, key: str) -> bool:
    """Whether the line names the key; a camera's source names its channel and the option."""
    parts = key.split('.')
    if f'error: {key}: ' in line or parts[0] != 'camera_config' or len(parts) != 3:
        return f'error: {key}: ' in line
    option = 'camera ' if parts[2] == 'camera_id' else f' {parts[2]}: '
    return f'error: {parts[0]}.{parts[1]}: ' in line and option in line


def _children() -> set[int]:
    pids = set()
    for entry in Path('/proc').iterdir():
        try:
            stat = (entry / 'stat').read_text() if entry.name.isdigit() else ''
        except OSError:
            continue
        if stat and int(stat[stat.rindex(')') + 2:].split()[1]) == os.getpid():
            pids.add(int(entry.name))
    return pids


def _own_segments() -> set[str]:
    return {name for name in os.listdir('/dev/shm') if name.startswith(segment_prefix(os.getpid()))}


def _check_line(output: str, key: str, path: Path) -> None:
    lines = output.strip().splitlines()
    assert len(lines) == 1, output[:2000]
    assert 'configuration error: ' in lines[0] and str(path) in lines[0], lines[0]
    assert _names_key(lines[0], key), lines[0]
    assert len(lines[0]) < 1000, lines[0][:2000]


@pytest.mark.parametrize('verb, key, kind, bad', CASES,
                         ids=[f'{v}-{k}-{kind}' for v, k, kind, _ in CASES])
def test_a_spoiled_key_stops_the_verb_naming_key_and_file(tmp_path, ros_env, capfd,
                                                            verb, key, kind, bad):
    path = _spoiled_file(tmp_path, verb, key, bad)
    children, segments = _children(), _own_segments()
    watchdog = threading.Timer(WATCHDOG_S, os.kill, (os.getpid(), signal.SIGINT))
    watchdog.start()
    try:
        code = cli_main([verb, '--params-file', str(path)])
    finally:
        watchdog.cancel()
    output = capfd.readouterr()
    assert code == 2, f'{verb} accepted {key} = {kind}: {output.out[-500:]}{output.err[-500:]}'
    _check_line(output.out + output.err, key, path)
    assert _children() <= children and _own_segments() <= segments


REAL_RUNS = [('client', 'client_id', 'long string'), ('client', 'fps', 'nan'),
             ('client', 'camera_config.channels', 'unicode'),
             ('server', 'reference', 'unicode'), ('server', 'ntp_servers', 'long string')]


@pytest.mark.slow
@pytest.mark.parametrize('verb, key, kind', REAL_RUNS)
def test_a_spoiled_key_stops_a_real_process(tmp_path, ros_env, processes, verb, key, kind):
    bad = next(b for v, k, m, b in CASES if (v, k, m) == (verb, key, kind))
    path = _spoiled_file(tmp_path, verb, key, bad)
    proc = processes.python(['-m', 'compound_eyes.cli.main', verb, '--params-file', str(path)],
                            env=ros_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 2, output[-1000:]
    _check_line(output, key, path)
    assert not session_processes(proc.pid) and not shm_segments(proc.pid)
