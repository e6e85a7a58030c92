"""A client node with a GenICam camera (Aravis' GigE fake) publishes complete sets the server locks.

Everything runs inside one network namespace the test owns: the fake (in this process), the
server and client processes, and the probe's DDS participant, all on its loopback.
"""
from __future__ import annotations

import sys
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


@pytest.mark.xfail(strict=False, reason='passes alone, but twice did not lock after the rest of '
                   'the suite ran; cause not yet found')
def test_client_with_a_genicam_camera_publishes_complete_sets_the_server_locks(
        ros_env, processes, tmp_path):
    with loopback_namespace(1) as hosts, FakeCamera(hosts[0], 'GC2'):
        rig = Rig(processes, ros_env, tmp_path)
        with Probe(timing_clients=[CLIENT]) as probe:
            rig.start_server(lock_threshold_us=LOCK_THRESHOLD_US)
            rig.start_client(DemoClient(CLIENT, 0.0, 0.0), cameras=CAMERAS)
            try:
                wait_until(lambda: probe.all_in_state([CLIENT], LOCKED), 60,
                           f'{CLIENT} LOCKED', rig)
            except AssertionError as error:
                raise AssertionError(f'{error}\n{_lock_evidence(probe)}') from None
            wait_until(lambda: len(_complete(probe.sets[CLIENT])) >= 10, 30,
                       'ten complete sets', rig)
            complete = _complete(probe.sets[CLIENT])
        assert rig.stop(CLIENT) == 0, rig.log_tails()
        assert rig.stop('server') == 0, rig.log_tails()
    # No latch on the fake: host receive time, and the stamp says so.
    assert all(list(s.stamp_sources) == [StampSource.READ_RETURN] for s in complete)
    ticks = [s.tick for s in complete]
    assert ticks == sorted(set(ticks))
