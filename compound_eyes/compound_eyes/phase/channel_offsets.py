"""Per-camera latency within a client: what makes one delay per client leave intra-client spread.

Cameras of different models on one host take different times from trigger to exposure. Per
set, each channel's latency is l_ch = s_ch - T_k - d_ch (its own applied delay); relative to
the set's circular median it is a channel offset, and its windowed circular median is robust
against single late sets. Offsets are stated relative to the client's latest camera, so every
correction is a *longer* delay: d_ch = d - o_ch with o_ch <= 0 never falls below the client's
delay d, which the estimator already keeps inside the commanded range.

The estimator keeps its per-client model. It is fed the raw stamps of the controllable
channels with the client delay those channels represent (median of d_ch + o_ch): with the
offsets applied its latency is the latest camera's, its phase and spread are the raw stamps'.
A channel whose phase does not follow its own delay (a free-running camera) is flagged not
controllable for good and does not shape the client's estimate, unless no channel of the
client is controllable (then the estimator judges the client as a whole). Its delay then
names the instant its frames are picked nearest to (phase/freerun_instant.py), else it is held.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from compound_eyes.phase.circular import circular_median, wrap, wrap_each
from compound_eyes.phase.estimator import robust_slope
from compound_eyes.phase.vetting import finite_int
from compound_eyes.phase.window import ChannelWindows

_OFFSET, _PHASE, _DELAY = range(3)
MAX_CHANNEL_ID = 256


@dataclass(frozen=True)
class EstimatorInput:
    """What the per-client estimator gets from one set: one delay, the stamps it explains.

    samples holds the set's usable (stamp, delay) per channel and relative_latencies each
    one's latency relative to the set's circular median, in the same order, for learn().
    """

    applied_delay_ns: int
    stamps_ns: list[int]
    samples: dict[str, tuple[int, int]]
    relative_latencies: list[float]


@dataclass(frozen=True)
class ChannelState:
    """A snapshot of one camera of a client."""

    channel_id: str
    offset_ns: int          # latency relative to the client's latest camera (<= 0)
    delay_ns: int           # delay last applied
    controllable: bool


@dataclass
class _Channel:
    row: int                        # its window in the client's ChannelWindows
    applied_ns: int = 0
    held_ns: int | None = None      # delay held since judged not controllable
    controllable: bool = True
    narrow: bool = False            # the last judgement found the delays within the probe span


@dataclass
class _Client:
    windows: ChannelWindows
    channels: dict[str, _Channel] = field(default_factory=dict)
    last_seen_ns: int = 0
    offsets: dict[str, int] | None = None   # offsets() of the windows as they are; None: stale


class ChannelOffsets:
    """Windowed per-channel latency offsets of every client; not thread-safe.

    window, min_samples, probe_span_ns, max_stamp_ns, lost_ns, max_clients: as the
    estimator's. max_channels bounds a client's channel table against invented channel ids.
    """

    def __init__(self, period_ns: int, *, window: int, min_samples: int, probe_span_ns: int,
                 max_stamp_ns: int, lost_ns: int, max_clients: int,
                 max_channels: int = 64) -> None:
        self.period_ns = int(period_ns)
        self.max_stamp_ns = int(max_stamp_ns)
        self.window = int(window)
        self.min_samples = int(min_samples)
        self.probe_span_ns = int(probe_span_ns)
        self.lost_ns = int(lost_ns)
        self.max_clients = int(max_clients)
        self.max_channels = int(max_channels)
        self._clients: dict[str, _Client] = {}

    def estimator_input(self, client_id: str, channel_ids: Sequence[str],
                        stamps_ns: Sequence[int], delays_ns: Sequence[int],
                        scheduled_ns: int) -> EstimatorInput:
        """Return the estimator's view of one set under the offsets learnt so far.

        Unusable entries (a non-string or over-long id, a non-finite number, a delay outside
        [0, P), a stamp too far from T_k) are left out; without any, the first delay goes
        through as received so that the estimator names the flaw.
        """
        samples = self._vetted(channel_ids, stamps_ns, delays_ns, scheduled_ns)
        if not samples:
            return EstimatorInput(delays_ns[0] if len(delays_ns) else 0, [], samples, [])
        client = self._clients.get(client_id)
        known = client.channels if client is not None else {}
        offsets = self.offsets(client_id)
        used = [ch for ch in samples if ch not in known or known[ch].controllable]
        used = used or list(samples)
        corrected = [samples[ch][1] + offsets.get(ch, 0) for ch in used]
        applied = int(round(float(circular_median(corrected, self.period_ns)))) % self.period_ns
        latencies = wrap_each([s - scheduled_ns - d for s, d in samples.values()],
                              self.period_ns)
        reference = float(circular_median(latencies, self.period_ns))
        return EstimatorInput(applied, [samples[ch][0] for ch in used], samples,
                              wrap_each([x - reference for x in latencies], self.period_ns))

    def learn(self, client_id: str, seen: EstimatorInput, scheduled_ns: int,
              now_ns: int) -> None:
        """Take one set the estimator accepted, as estimator_input() vetted it, into the windows."""
        samples = seen.samples
        client = self._client(client_id, now_ns)
        if client is None or not samples:
            return
        offsets = seen.relative_latencies
        phases = wrap_each([s - scheduled_ns for s, _ in samples.values()], self.period_ns)
        client.offsets = None
        rows, rows_samples, to_judge = [], [], []
        for index, (channel_id, (_, delay)) in enumerate(samples.items()):
            channel = client.channels.get(channel_id)
            if channel is None:
                if len(client.channels) >= self.max_channels:
                    continue
                channel = client.channels[channel_id] = _Channel(client.windows.add())
            if channel.controllable and not (delay == channel.applied_ns and channel.narrow):
                to_judge.append(channel)    # a repeated delay cannot widen a narrow span
            channel.applied_ns = delay
            rows.append(channel.row)
            rows_samples.append((offsets[index], phases[index], delay))
        if rows:
            client.windows.push(rows, rows_samples)
        counts = client.windows.counts
        self._judge(client.windows, [c for c in to_judge if counts[c.row] >= self.min_samples])

    def offsets(self, client_id: str) -> dict[str, int]:
        """Each controllable channel's offset from the latest one (<= 0); {} while unknown."""
        client = self._clients.get(client_id)
        if client is None:
            return {}
        if client.offsets is None:
            client.offsets = self._offsets(client)
        return client.offsets

    def _offsets(self, client: _Client) -> dict[str, int]:
        """offsets() computed afresh: one circular median per window length, not per channel."""
        counts = client.windows.counts
        by_count: dict[int, list[str]] = {}
        for channel_id, channel in client.channels.items():
            count = counts[channel.row]
            if channel.controllable and count >= self.min_samples:
                by_count.setdefault(count, []).append(channel_id)
        medians: dict[str, float] = {}
        for ids in by_count.values():
            stacked = client.windows.column([client.channels[ch].row for ch in ids], _OFFSET)
            medians.update(zip(ids, circular_median(stacked, self.period_ns).tolist(),
                               strict=True))
        if not medians:
            return {}
        latest = max(medians.values())
        return {ch: int(round(medians[ch] - latest))
                for ch in client.channels if ch in medians}

    def channel_delays(self, client_id: str, delay_ns: int, low_ns: int, high_ns: int,
                       free_running_ns: int | None = None) -> dict[str, int]:
        """Each known channel's delay for a client delay: delay - offset, kept in [low, high].

        A channel judged not controllable gets free_running_ns, the instant its frames are
        picked nearest to (T_k + that delay), or without one keeps the delay it had then; one
        without an offset yet applies the client's delay (the per-client model).
        """
        client = self._clients.get(client_id)
        if client is None:
            return {}
        offsets = self.offsets(client_id)
        out = {}
        for channel_id, channel in client.channels.items():
            if channel.held_ns is not None:
                out[channel_id] = channel.held_ns if free_running_ns is None else free_running_ns
            else:
                wanted = delay_ns - offsets.get(channel_id, 0)
                out[channel_id] = int(min(max(wanted, low_ns), high_ns))
        return out

    def free_running_phases(self) -> list[float]:
        """Each not-controllable channel's exposure phase (stamp - T_k), of every client."""
        return [float(circular_median(client.windows.rows(c.row)[:, _PHASE], self.period_ns))
                for client in self._clients.values() for c in client.channels.values()
                if not c.controllable and client.windows.counts[c.row]]

    def states(self, client_id: str) -> list[ChannelState]:
        """Snapshot of a client's channels, in the order they were first seen."""
        client = self._clients.get(client_id)
        if client is None:
            return []
        offsets = self.offsets(client_id)
        return [ChannelState(ch, offsets.get(ch, 0), c.applied_ns, c.controllable)
                for ch, c in client.channels.items()]

    def _client(self, client_id: str, now_ns: int) -> _Client | None:
        client = self._clients.get(client_id)
        if client is not None and now_ns - client.last_seen_ns > self.lost_ns:
            client = None       # back after being lost: its cameras may have changed
            del self._clients[client_id]
        if client is None:
            stale = [cid for cid, c in self._clients.items()
                     if now_ns - c.last_seen_ns > self.lost_ns]
            for cid in stale:
                del self._clients[cid]
            if len(self._clients) >= self.max_clients:
                return None
            client = self._clients[client_id] = _Client(ChannelWindows(self.window, 3))
        client.last_seen_ns = now_ns
        return client

    def _vetted(self, channel_ids: Sequence[str], stamps_ns: Sequence[int],
                delays_ns: Sequence[int], scheduled_ns: int) -> dict[str, tuple[int, int]]:
        """Return {channel: (stamp, delay)} of the usable, unique entries."""
        out: dict[str, tuple[int, int]] = {}
        for channel_id, raw_stamp, raw_delay in zip(channel_ids, stamps_ns, delays_ns,
                                                    strict=False):
            stamp, delay = finite_int(raw_stamp), finite_int(raw_delay)
            if (not isinstance(channel_id, str) or not 0 < len(channel_id) <= MAX_CHANNEL_ID
                    or channel_id in out or stamp is None or delay is None
                    or not 0 <= delay < self.period_ns
                    or abs(stamp - scheduled_ns) > self.max_stamp_ns):
                continue
            out[channel_id] = (stamp, delay)
        return out

    def _judge(self, windows: ChannelWindows, channels: list[_Channel]) -> None:
        """Flag each channel whose phase does not follow its delay; hold its delay then.

        The flag stays: a free-running camera whose delay now picks its frames makes its
        phase jump by whole frames, which must not read as following the delay. channels:
        the controllable ones with enough samples whose newest delay differs from the one
        before it or whose span was wide; spans of equally long windows are one call.
        """
        by_count: dict[int, list[_Channel]] = {}
        for channel in channels:
            by_count.setdefault(windows.counts[channel.row], []).append(channel)
        for group in by_count.values():
            delays = windows.column([c.row for c in group], _DELAY)
            spans = (delays.max(axis=1) - delays.min(axis=1)).tolist()
            for channel, span in zip(group, spans, strict=True):
                channel.narrow = span < self.probe_span_ns
                if not channel.narrow:
                    self._judge_slope(channel, windows.rows(channel.row))

    def _judge_slope(self, channel: _Channel, rows: np.ndarray) -> None:
        """Judge one channel whose delays span enough to tell whether its phase follows."""
        delays = rows[:, _DELAY]
        centre = circular_median(rows[:, _PHASE], self.period_ns)
        phases = wrap(rows[:, _PHASE] - centre, self.period_ns)
        slope = robust_slope(delays, phases, self.probe_span_ns / 4)
        if slope is None:
            return
        channel.controllable = slope >= 0.5
        channel.held_ns = None if channel.controllable else channel.applied_ns
