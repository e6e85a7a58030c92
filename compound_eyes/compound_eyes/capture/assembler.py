"""Turns per-camera frames into one set per tick, in tick order, never waiting past a deadline.

A tick's set is emitted once every camera delivered or once the synced clock passes
scheduled + delay + deadline (the latest camera's delay); cameras absent then are listed
missing and count as drops. Each set carries its tick's delay record from the steering.
Frames for ticks already emitted are late: counted and discarded. Ticks nobody delivered
still get an (all-missing) set, so consumers see every gap. Free-running cameras deliver a
tick's frame one period later (their worker picks it at the next tick's slot), so while one
of them is present every deadline is a period later.
"""
from __future__ import annotations

from compound_eyes.capture.delay_steering import DelaySteering
from compound_eyes.capture.records import CameraStats, FrameRecord, FrameSet
from compound_eyes.capture.schedule import TickSchedule


class SetAssembler:
    """Collects frames by tick; not thread-safe (the engine serializes calls)."""

    def __init__(self, channels: list[str], schedule: TickSchedule, deadline_ns: int,
                 delays: DelaySteering, stats: dict[str, CameraStats]) -> None:
        self._channels = list(channels)
        self._schedule = schedule
        self._deadline_ns = deadline_ns
        self._delays = delays
        self._stats = stats
        self._pending: dict[int, dict[str, FrameRecord]] = {}
        self._next_tick: int | None = None
        self._free_running: set[str] = set()

    def set_free_running(self, channel: str, free_running: bool) -> None:
        """Note whether a channel's frames come a period late (told when its camera opens)."""
        if free_running:
            self._free_running.add(channel)
        else:
            self._free_running.discard(channel)

    def add(self, tick: int, record: FrameRecord) -> bool:
        """Take a frame for a tick; False (and counted late) when that set is already out."""
        if self._next_tick is None:
            self._next_tick = tick
        stats = self._stats[record.channel_id]
        if tick < self._next_tick:
            stats.late += 1
            return False
        self._pending.setdefault(tick, {})[record.channel_id] = record
        stats.frames += 1
        return True

    def deadline_of(self, tick: int) -> int:
        """Return the synced time after which the tick's set goes out incomplete."""
        latest = self._delays.at(tick).latest_ns
        late = self._schedule.period_ns if self._free_running else 0
        return self._schedule.scheduled_ns(tick) + latest + late + self._deadline_ns

    def next_deadline(self) -> int | None:
        """Return the deadline of the oldest set not yet emitted, None before any frame."""
        return None if self._next_tick is None else self.deadline_of(self._next_tick)

    def due(self, now_ns: int) -> list[FrameSet]:
        """Return, in tick order, every set that is complete or past its deadline."""
        out: list[FrameSet] = []
        while self._next_tick is not None:
            tick = self._next_tick
            frames = self._pending.get(tick, {})
            if len(frames) < len(self._channels) and now_ns < self.deadline_of(tick):
                break
            out.append(self._build(tick, self._pending.pop(tick, {})))
            self._next_tick = tick + 1
            self._delays.forget_before(tick)
        return out

    def _build(self, tick: int, frames: dict[str, FrameRecord]) -> FrameSet:
        """Make the set, count drops and stamp each frame with its camera's counters."""
        missing = [channel for channel in self._channels if channel not in frames]
        for channel in missing:
            self._stats[channel].dropped += 1
        for channel, record in frames.items():
            record.dropped_frames = self._stats[channel].dropped
            record.reconnects = self._stats[channel].reconnects
        ordered = {channel: frames[channel] for channel in self._channels if channel in frames}
        return FrameSet(tick, self._schedule.scheduled_ns(tick), self._schedule.period_ns,
                        self._delays.at(tick), ordered, missing)
