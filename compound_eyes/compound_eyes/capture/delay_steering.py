"""The capture engine's phase delays: vetted commands in, one bounded slew step per tick out.

The engine is the delays' only owner. Commands arrive on another thread and are vetted by
the DelayCommandFilter under a lock; a command may give each channel its own delay (cameras
differ in trigger-to-exposure latency), channels it does not name take the client's delay.
As ticks pass, the collector calls advance(), which moves every channel one bounded slew
step toward its target per tick, announces the result to that channel's worker for a tick
none of them can have reached (one DelayCell per channel), and keeps the same numbers as
the record every set's TickDelay comes from, so what a set reports is what its cameras did.
"""
from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.context import BaseContext

from compound_eyes.capture.delay_cell import BEFORE_EVERY_TICK, DelayCell, in_effect
from compound_eyes.capture.records import TickDelay
from compound_eyes.capture.schedule import TickSchedule
from compound_eyes.clock.synced import SyncedClock
from compound_eyes.phase.command_filter import DelayCommandFilter, OfferVerdict
from compound_eyes.phase.vetting import Flaw, vet_delay_and_numbers

READ_LEAD_TICKS = 2            # a worker reads tick k's delay from T_(k-1) on
ANNOUNCE_GUARD_NS = 10_000_000  # a stall allowed between reading the clock and announcing


@dataclass(frozen=True)
class DelayPolicy:
    """Whose commands steer the delay, where it starts and how fast it may move.

    max_slew_ns_per_tick None lets an accepted command take effect in a single step.
    """

    client_id: str = ''
    initial_ns: int = 0
    max_slew_ns_per_tick: int | None = None


class DelaySteering:
    """Thread-safe owner of the delay: offer() from any thread, advance() from the collector."""

    def __init__(self, policy: DelayPolicy, schedule: TickSchedule, clock: SyncedClock,
                 channels: Sequence[str], context: BaseContext) -> None:
        period = schedule.period_ns
        slew = period if policy.max_slew_ns_per_tick is None else policy.max_slew_ns_per_tick
        self._filter = DelayCommandFilter(policy.client_id, period, slew, policy.initial_ns)
        self._slew_ns = slew
        self._schedule = schedule
        self._clock = clock
        self._applied = dict.fromkeys(channels, policy.initial_ns)
        self._targets: dict[str, int] = {}       # per-channel targets of the last command
        self.cells = {channel: DelayCell(context, policy.initial_ns) for channel in channels}
        self._changes = [(BEFORE_EVERY_TICK, TickDelay(dict(self._applied), 0))]
        self._lead_ticks = READ_LEAD_TICKS + math.ceil(ANNOUNCE_GUARD_NS / period)
        self._announced: int | None = None
        self._lock = threading.Lock()

    def offer(self, client_id: str, tick_period_ns: object, delay_ns: object,
              sequence: object, expires_ns: object, channel_ids: Sequence[object] = (),
              channel_delays_ns: Sequence[object] = ()) -> OfferVerdict:
        """Vet a command as received; an accepted one becomes the target of the slew.

        channel_ids/channel_delays_ns: per-channel delays (same length, each in [0, P));
        channels this client does not have are ignored.
        """
        targets = self._channel_targets(channel_ids, channel_delays_ns)
        if isinstance(targets, OfferVerdict):
            return targets if client_id == self._filter.client_id \
                else OfferVerdict.OTHER_CLIENT
        with self._lock:
            verdict = self._filter.offer(client_id, tick_period_ns, delay_ns, sequence,
                                         expires_ns, self._clock.now_ns())
            if verdict is OfferVerdict.ACCEPTED:
                self._targets = targets
            return verdict

    def advance(self) -> None:
        """Take one slew step for each tick that became announceable since the last call.

        Normally that is the one tick lead_ticks ahead. After a stall of the caller, ticks
        that a worker may already have read get no announcement of their own: they keep the
        delay before them, and the slew simply takes one step fewer.
        """
        with self._lock:
            now = self._clock.now_ns()
            newest = self._schedule.tick_of(now) + self._lead_ticks
            if self._announced is not None and newest <= self._announced:
                return
            first = newest
            if self._announced is not None:
                safe = self._schedule.tick_of(now + ANNOUNCE_GUARD_NS) + READ_LEAD_TICKS
                first = max(self._announced + 1, safe)
            for tick in range(first, newest + 1):
                self._step(tick)
            self._announced = newest

    def at(self, tick: int) -> TickDelay:
        """Return the delay record of a tick."""
        with self._lock:
            return in_effect(self._changes, tick)

    def forget_before(self, tick: int) -> None:
        """Drop records no tick at or after `tick` can need any more."""
        with self._lock:
            while len(self._changes) > 1 and self._changes[1][0] <= tick:
                self._changes.pop(0)

    def _step(self, tick: int) -> None:
        """Move each channel one step toward its target; record and announce what changed."""
        for channel, applied in self._applied.items():
            target = self._targets.get(channel, self._filter.target_ns)
            step = max(-self._slew_ns, min(self._slew_ns, target - applied))
            if step:
                self._applied[channel] = applied + step
                self.cells[channel].announce(tick, applied + step)
        record = TickDelay(dict(self._applied), self._filter.sequence)
        if record != self._changes[-1][1]:
            self._changes.append((tick, record))

    def _channel_targets(self, channel_ids: Sequence[object],
                         delays_ns: Sequence[object]) -> dict[str, int] | OfferVerdict:
        """Return the vetted per-channel targets of a command, or why they are unusable."""
        if len(channel_ids) != len(delays_ns):
            return OfferVerdict.NOT_FINITE      # a delay is missing for some channel
        targets = {}
        for channel, raw in zip(channel_ids, delays_ns, strict=True):
            vetted = vet_delay_and_numbers(self._schedule.period_ns, raw)
            if isinstance(vetted, Flaw):
                return OfferVerdict(vetted.value)
            if channel in self._applied:
                targets[channel] = vetted[0]
        return targets
