"""Per-camera delays: the server learns each camera's latency and commands a delay per channel.

A simulated client with two triggered cameras of different latencies (and, in one test, a
free-running one) applies every command instantly; the server loop sees only its stamps.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from compound_eyes.config.server import ServerConfig
from compound_eyes.interfaces.stamps import time_from_ns
from compound_eyes.nodes.diagnostic_status import status_name
from compound_eyes.nodes.server_loop import ServerLoop
from compound_eyes.nodes.sync_status_msg import (
    build_diagnostics,
    build_sync_status,
    client_task,
)
from compound_eyes.phase.channel_offsets import ChannelOffsets
from compound_eyes.phase.circular import circular_median, wrap

P = 33_333_333
START_TICK = 54_000_000_000
LATENCY_NS = {'fast': 1_000_000, 'slow': 4_000_000}


class Client:
    """Cameras with fixed latencies (or a free-running phase) that apply commands at once."""

    def __init__(self, client_id: str, latencies: dict[str, int], freerun_phase_ns: int | None,
                 seed: int) -> None:
        self.client_id = client_id
        self.latencies = latencies
        self.freerun_phase_ns = freerun_phase_ns
        self.delays = dict.fromkeys([*latencies, *(['free'] if freerun_phase_ns else [])],
                                    5_000_000)
        self.rng = np.random.default_rng(seed)

    def timing(self, tick: int) -> SimpleNamespace:
        scheduled = tick * P
        stamps = {ch: scheduled + self.delays[ch] + latency + int(self.rng.normal(0, 20_000))
                  for ch, latency in self.latencies.items()}
        if self.freerun_phase_ns is not None:   # newest frame before the grab, own clock
            grab = scheduled + self.delays['free']
            stamps['free'] = grab - (grab - self.freerun_phase_ns) % P
        channels = list(stamps)
        return SimpleNamespace(
            client_id=self.client_id, tick=tick, tick_period_ns=P,
            header=SimpleNamespace(stamp=time_from_ns(scheduled)), channel_ids=channels,
            capture_stamps_ns=[stamps[c] for c in channels], stamp_sources=[0] * len(channels),
            stamp_uncertainties_ns=[0] * len(channels),
            phase_delays_ns=[self.delays[c] for c in channels], missing_channel_ids=[])

    def apply(self, command) -> None:
        if command.client_id != self.client_id:
            return
        named = dict(zip(command.channel_ids, command.channel_delays_ns, strict=True))
        self.delays = {ch: named.get(ch, command.delay_ns) for ch in self.delays}


def _run(clients: list[Client], ticks: int) -> ServerLoop:
    loop = ServerLoop(ServerConfig())
    for tick in range(START_TICK, START_TICK + ticks):
        now = tick * P + 20_000_000
        for client in clients:
            assert loop.observe(client.timing(tick), now) == ''
        if tick % 3 == 0:     # 10 Hz commands
            for command in loop.commands(now):
                for client in clients:
                    client.apply(command)
    return loop


def _spread_ns(client: Client, tick: int) -> int:
    timing = client.timing(tick)
    stamps = [s for c, s in zip(timing.channel_ids, timing.capture_stamps_ns, strict=True)
              if c in client.latencies]
    return max(stamps) - min(stamps)


def test_two_latencies_in_one_client_get_delays_that_align_their_exposures() -> None:
    mixed = [Client('a', LATENCY_NS, None, seed=1),
             Client('b', {'fast': 2_000_000, 'slow': 5_000_000}, None, seed=2)]
    assert _spread_ns(mixed[0], START_TICK) > 2_500_000     # one delay per client: 3 ms
    loop = _run(mixed, 300)
    last = START_TICK + 300
    for client in mixed:
        assert abs(client.delays['fast'] - client.delays['slow'] - 3_000_000) < 100_000
        assert np.median([_spread_ns(client, last + k) for k in range(30)]) < 100_000
        offsets = {s.channel_id: s.offset_ns for s in loop.channel_states(client.client_id)}
        assert offsets['slow'] == 0 and abs(offsets['fast'] + 3_000_000) < 100_000
    # the clients' latest cameras expose together, as the per-client model aligned them
    slow = [c.timing(last).capture_stamps_ns[1] for c in mixed]
    assert abs(slow[0] - slow[1]) < 150_000
    state = {s.client_id: s for s in loop.status(last * P)}
    assert state['a'].intra_client_spread_ns < 150_000


def test_one_camera_per_client_is_the_per_client_model() -> None:
    single = [Client('a', {'cam': 2_000_000}, None, seed=3),
              Client('b', {'cam': 6_000_000}, None, seed=4)]
    loop = _run(single, 200)
    commands = loop.commands((START_TICK + 200) * P)
    assert all(list(c.channel_delays_ns) == [c.delay_ns] for c in commands)
    stamps = [c.timing(START_TICK + 200).capture_stamps_ns[0] for c in single]
    assert abs(stamps[0] - stamps[1]) < 150_000


def test_a_free_running_camera_is_flagged_and_follows_the_triggered_ones_phase() -> None:
    client = Client('a', LATENCY_NS, freerun_phase_ns=11_000_000, seed=5)
    other = Client('b', {'cam': 2_500_000}, None, seed=6)
    loop = _run([client, other], 300)
    states = {s.channel_id: s for s in loop.channel_states('a')}
    assert not states['free'].controllable
    assert states['fast'].controllable and states['slow'].controllable
    assert abs(client.delays['fast'] - client.delays['slow'] - 3_000_000) < 100_000
    [command] = [c for c in loop.commands((START_TICK + 300) * P) if c.client_id == 'a']
    target = round(loop.estimator.target_phase_ns) % P
    assert dict(zip(command.channel_ids, command.channel_delays_ns, strict=True))['free'] == target
    assert {s.client_id: s.controllable for s in loop.status((START_TICK + 300) * P)} == {
        'a': True, 'b': True}


def test_sync_status_and_diagnostics_name_the_camera_that_is_not_controllable() -> None:
    client = Client('a', LATENCY_NS, freerun_phase_ns=11_000_000, seed=7)
    loop = _run([client, Client('b', {'cam': 2_500_000}, None, seed=8)], 300)
    now = (START_TICK + 300) * P
    status = build_sync_status(loop.status(now), loop, time_from_ns(now))
    entries = {e.client_id: e for e in status.clients}
    assert entries['a'].controllable and list(entries['a'].uncontrollable_channel_ids) == [
        'free']
    assert entries['b'].controllable and list(entries['b'].uncontrollable_channel_ids) == []
    clock = SimpleNamespace(degraded=False, message='', server='', applied_offset_ns=0,
                            delay_ns=0, stratum=2, age_s=0.0)
    diagnostics = build_diagnostics('server', loop.status(now), clock, time_from_ns(now), loop)
    name = status_name('server', client_task('a'))
    [client_a] = [s for s in diagnostics.status if s.name == name]
    assert 'not controllable: free' in client_a.message
    assert {kv.key: kv.value for kv in client_a.values}['uncontrollable_channels'] == 'free'


class FreeRunningClient:
    """Free-running cameras of fixed phases, each picking its frame nearest T_k + its delay."""

    def __init__(self, client_id: str, phases_ns: list[float], delay_ns: int) -> None:
        self.client_id = client_id
        self.phases = {f'cam{i}': phase for i, phase in enumerate(phases_ns)}
        self.delays = dict.fromkeys(self.phases, delay_ns)

    def stamps(self, tick: int) -> dict[str, int]:
        target = tick * P + np.array([self.delays[ch] for ch in self.phases])
        phases = np.array(list(self.phases.values()))
        nearest = target + (phases - target + P / 2) % P - P / 2
        return dict(zip(self.phases, nearest.round().astype(int).tolist(), strict=True))

    def timing(self, tick: int) -> SimpleNamespace:
        stamps = self.stamps(tick)
        channels = list(stamps)
        return SimpleNamespace(
            client_id=self.client_id, tick=tick, tick_period_ns=P,
            header=SimpleNamespace(stamp=time_from_ns(tick * P)), channel_ids=channels,
            capture_stamps_ns=[stamps[c] for c in channels], stamp_sources=[0] * len(channels),
            stamp_uncertainties_ns=[0] * len(channels),
            phase_delays_ns=[self.delays[c] for c in channels], missing_channel_ids=[])

    apply = Client.apply


def test_free_running_clients_are_told_the_instant_whose_sets_span_least() -> None:
    phases = np.random.default_rng(11).uniform(0, P, 6)
    ordered = np.sort(phases)
    gaps = np.diff(np.append(ordered, ordered[0] + P))
    widest = int(np.argmax(gaps))
    clients = [FreeRunningClient(cid, list(phases[2 * i:2 * i + 2]), 5_000_000)
               for i, cid in enumerate('abc')]
    first = [s for c in clients for s in c.stamps(START_TICK).values()]
    loop = _run(clients, 400)
    last = START_TICK + 400
    assert all(not s.controllable for c in clients for s in loop.channel_states(c.client_id))
    delays = {d for c in clients for d in c.delays.values()}
    assert len(delays) == 1                      # one common instant for every camera
    stamps = [s for c in clients for s in c.stamps(last).values()]
    assert max(stamps) - min(stamps) == pytest.approx(P - gaps[widest], abs=1_000)
    assert max(first) - min(first) > max(stamps) - min(stamps) + 500_000


def test_offsets_are_each_windows_own_circular_median_after_every_set() -> None:
    """Batched and kept between sets, the offsets stay what a median per channel gives.

    A third camera joins late, so windows of two lengths are batched; every camera's
    latency drifts, so an offset kept from before a set would be stale.
    """
    offsets = ChannelOffsets(P, window=8, min_samples=3, probe_span_ns=2_000_000,
                             max_stamp_ns=3 * P, lost_ns=10**9, max_clients=4)
    rng = np.random.default_rng(9)
    history: dict[str, list[float]] = {}
    for index, tick in enumerate(range(START_TICK, START_TICK + 40)):
        scheduled = tick * P
        channels = ['a', 'b', 'c'] if index >= 12 else ['a', 'b']
        delays = [5_000_000 + 1000 * index] * len(channels)
        stamps = [scheduled + d + int(1e6 * (k + 1) + 3e4 * index + rng.normal(0, 5e4))
                  for k, d in enumerate(delays)]
        seen = offsets.estimator_input('c1', channels, stamps, delays, scheduled)
        offsets.learn('c1', seen, scheduled, scheduled + 20_000_000)
        latencies = wrap(np.subtract(stamps, delays) - scheduled, P)
        relative = wrap(latencies - circular_median(latencies, P), P)
        for channel, value in zip(channels, relative, strict=True):
            history.setdefault(channel, []).append(float(value))
        medians = {ch: float(circular_median(values[-8:], P))
                   for ch, values in history.items() if len(values) >= 3}
        latest = max(medians.values(), default=0.0)
        assert offsets.offsets('c1') == {ch: int(round(m - latest)) for ch, m in medians.items()}
