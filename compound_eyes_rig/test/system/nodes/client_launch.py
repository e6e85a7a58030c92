"""Start a client the two ways users do, with a parameter file written by the demo helpers.

Tests look for what a client leaves behind through its pid: shared-memory segments named
ce_<pid>_* and processes of its session (it is started as a session leader).
"""
from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from compound_eyes.capture.shm_ring import segment_prefix
from compound_eyes.config.client import ClientConfig
from compound_eyes_rig.demo.configs import DemoClient, client_config, write_parameters

INSTALL = Path(__file__).resolve().parents[4] / 'install'
EXECUTABLE = INSTALL / 'compound_eyes/lib/compound_eyes/client'
LATENCY_MS = 2.0


def write_client_params(path: Path, client_id: str, cameras: int = 4,
                        camera_options: dict[str, dict[str, Any]] | None = None,
                        **top: Any) -> Path:
    """Write a client file: synthetic triggered cameras, 160x120 at 30 Hz, no jitter.

    camera_options adds options to single channels (cam0, cam1, ...); top sets top-level keys,
    written as given (also values the client must refuse).
    """
    config = client_config(DemoClient(client_id, 0.0, LATENCY_MS, cameras=cameras, jitter_ns=0),
                           ClientConfig(width=160, height=120), [])
    params = config.to_parameters()
    for channel, options in (camera_options or {}).items():
        params['camera_config'][channel].update(options)
    params.update(top)
    return write_parameters(path, params)


def client_command(params: Path, namespace: str, how: str = 'cli') -> list[str]:
    """Command line of a client: 'cli' (compound-eyes client) or 'executable' (ros2 run form)."""
    if how == 'cli':
        return ['-m', 'compound_eyes.cli.main', 'client', '--params-file', str(params),
                '--namespace', namespace]
    return [str(EXECUTABLE), '--ros-args', '--params-file', str(params),
            '-r', f'__ns:=/{namespace}']


def start_client(processes, env: dict[str, str], params: Path, namespace: str, log: Path,
                 how: str = 'cli') -> subprocess.Popen:
    """Start a client in the test's process group, its output going to log."""
    command = client_command(params, namespace, how)
    with log.open('wb') as out:
        if how == 'cli':
            return processes.python(command, env=env, stdout=out, stderr=subprocess.STDOUT)
        return processes.start(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def log_tail(log: Path, lines: int = 15) -> str:
    """Return the end of a client's log, for assertion messages."""
    return '\n'.join(log.read_text(errors='replace').splitlines()[-lines:])


def shm_segments(pid: int) -> list[str]:
    """Return the shared-memory segments a client process created and still has."""
    return [name for name in os.listdir('/dev/shm') if name.startswith(segment_prefix(pid))]


def session_processes(sid: int) -> list[int]:
    """Return the live (non-zombie) processes of a session, e.g. a client's workers."""
    pids = []
    for entry in Path('/proc').iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / 'stat').read_text()
        except OSError:
            continue
        fields = text[text.rindex(')') + 2:].split()
        if int(fields[3]) == sid and fields[0] != 'Z':
            pids.append(int(entry.name))
    return pids
