"""A client node with a GenICam camera (Aravis' GigE fake) publishes complete sets the server locks.

Everything runs inside one network namespace the test owns: the fake (in this process), the
server and client processes, and the probe, all on its loopback. The probe runs in a process
of its own started inside the namespace: a DDS participant created in this process after
earlier tests used DDS here outside the namespace never hears the nodes inside it.
"""
from __future__ import annotations

import multiprocessing
import sys
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

import numpy as np
import pytest

from compound_eyes.config.client import CameraConfig
from compound_eyes.interfaces.schema import StampSource
from compound_eyes_rig.demo.configs import DemoClient

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parents[4] / 'compound_eyes/test/camera'))
from e2e_probe import LOCKED, Probe  # noqa: E402
from e2e_rig import Rig, wait_until  # noqa: E402
from gige_fake import FakeCamera, loopback_namespace  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.netns]
CLIENT = 'gige_client'
CAMERAS = (CameraConfig('cam0', 'genicam:GC2', {'frame_timeout_ms': 500.0}),)
# The fake answers a trigger at its next 1 kHz grid tick, so its stamps scatter over a tick by
# design; lock within two ticks instead of the default 0.5 ms meant for real cameras.
LOCK_THRESHOLD_US = 2000.0
LOCK_TIMEOUT_S, SETS_TIMEOUT_S = 60.0, 30.0


def _complete(received: list) -> list:
    return [s for _, s in received if not s.missing_channel_ids and list(s.channel_ids) == ['cam0']]


def _lock_evidence(probe: Probe, last: int = 12) -> str:
    """Say what kept the client from locking: its newest statuses and its stamps' latency."""
    rows = [f'state {c.lock_state}, residual {c.residual_ns / 1e3:.0f} us, delay '
            f'{c.delay_ns / 1e3:.0f} us, sets {c.sets_received} (missed {c.sets_missed}), '
            f'controllable {c.controllable}'
            for _, status in list(probe.statuses)[-last:] for c in status.clients
            if c.client_id == CLIENT]
    latencies = [(s.capture_stamps_ns[0] - s.tick * s.tick_period_ns - s.phase_delays_ns[0])
                 for _, s in probe.sets[CLIENT] if len(s.capture_stamps_ns)]
    if latencies:
        spread_us = np.percentile(latencies, [5, 50, 90, 99]).round(-1) / 1e3
        rows.append(f'stamp - T_k - delay over {len(latencies)} of {len(probe.sets[CLIENT])} '
                    f'sets, us, p5/p50/p90/p99: {spread_us}')
    return '\n'.join(rows) or 'no status names the client'


def _within(condition: Callable[[], bool], timeout_s: float) -> bool:
    """Poll condition until it holds (True) or timeout_s has passed (False)."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def _watch(conn: Connection) -> None:
    """Run the probe: say it listens, then send (what failed or empty, the complete sets)."""
    with Probe(timing_clients=[CLIENT]) as probe:
        conn.send('listening')
        failure = ''
        if not _within(lambda: probe.all_in_state([CLIENT], LOCKED), LOCK_TIMEOUT_S):
            failure = f'{CLIENT} not LOCKED within {LOCK_TIMEOUT_S} s\n{_lock_evidence(probe)}'
        elif not _within(lambda: len(_complete(probe.sets[CLIENT])) >= 10, SETS_TIMEOUT_S):
            failure = f'no ten complete sets within {SETS_TIMEOUT_S} s'
        conn.send((failure, [(s.tick, list(s.stamp_sources))
                             for s in _complete(probe.sets[CLIENT])]))


def test_client_with_a_genicam_camera_publishes_complete_sets_the_server_locks(
        ros_env, processes, tmp_path):
    spawn = multiprocessing.get_context('spawn')
    verdicts, watcher_end = spawn.Pipe(duplex=False)
    with loopback_namespace(1) as hosts, FakeCamera(hosts[0], 'GC2'):
        watcher = spawn.Process(target=_watch, args=(watcher_end,), daemon=True)
        watcher.start()
        try:
            rig = Rig(processes, ros_env, tmp_path)
            wait_until(lambda: verdicts.poll() and verdicts.recv() == 'listening', 60,
                       'the probe process listening')
            rig.start_server(lock_threshold_us=LOCK_THRESHOLD_US)
            rig.start_client(DemoClient(CLIENT, 0.0, 0.0), cameras=CAMERAS)
            wait_until(verdicts.poll, LOCK_TIMEOUT_S + SETS_TIMEOUT_S + 30, "the probe's verdict",
                       rig)
            failure, complete = verdicts.recv()
            assert not failure, f'{failure}\n{rig.log_tails()}'
            assert rig.stop(CLIENT) == 0, rig.log_tails()
            assert rig.stop('server') == 0, rig.log_tails()
        finally:
            watcher.join(timeout=10)
            if watcher.is_alive():
                watcher.kill()
                watcher.join()
    # No latch on the fake: host receive time, and the stamp says so.
    assert all(sources == [StampSource.READ_RETURN] for _, sources in complete)
    ticks = [tick for tick, _ in complete]
    assert ticks == sorted(set(ticks))
