"""Keeps a SyncedClock's offset on the NTP server: measure each poll, apply it smoothly.

Small corrections are slewed (rate-limited) so stamps and schedules never jump backwards by
surprise; a large error (or the first sample) is stepped at once, like chrony's makestep, so a
badly set or suddenly stepped host relocks within one poll. A jump of the system clock against
the monotonic clock is noticed within a slew tick and polls at once instead of waiting for the
next poll; the poll, not the jump, decides the offset, so a system clock that was stepped
*toward* the right time is not stepped away from it. Failures never stop the monitor: it keeps
the last good offset, reports itself degraded, and keeps retrying.
"""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from compound_eyes.clock.ntp import (
    NTP_PORT,
    NtpError,
    NtpSample,
    SanityLimits,
    parse_server,
    query_best,
)
from compound_eyes.clock.synced import SyncedClock

DEFAULT_MAX_SLEW_NS_PER_S = 500_000      # 500 ppm, chrony's default maximum slew rate ballpark
DEFAULT_STEP_THRESHOLD_NS = 10_000_000   # 10 ms: below a 20 ms clock step, above LAN jitter
SLEW_TICK_S = 0.05                       # how often the applied offset moves toward measured
SYSTEM_JUMP_NS = 1_000_000               # system vs monotonic clock moved more: poll at once
JUMP_POLL_GAP_S = 0.5                    # ... at most this often: a fast system slew is no storm
FREE_MESSAGE = 'no NTP server configured'
WAITING_MESSAGE = 'no NTP sample yet'


@dataclass(frozen=True)
class ClockStatusSnapshot:
    """The monitor's state; fields match compound_eyes_msgs/ClockStatus."""

    server: str
    measured_offset_ns: int
    applied_offset_ns: int
    delay_ns: int
    stratum: int
    age_s: float          # seconds since the last good sample; inf before the first one
    degraded: bool
    message: str
    samples_ok: int
    samples_failed: int


def slew_toward(applied_ns: int, target_ns: int, max_change_ns: int) -> int:
    """Move applied toward target by at most max_change (never overshooting)."""
    change = max(-max_change_ns, min(max_change_ns, target_ns - applied_ns))
    return applied_ns + change


class ClockMonitor:
    """Polls NTP in a background thread and applies the offset to clock.offset."""

    def __init__(self, clock: SyncedClock, servers: list[str], poll_interval_s: float = 1.0,
                 queries_per_poll: int = 4,
                 max_slew_ns_per_s: int = DEFAULT_MAX_SLEW_NS_PER_S,
                 step_threshold_ns: int = DEFAULT_STEP_THRESHOLD_NS,
                 query_timeout_s: float = 0.5, port: int = NTP_PORT,
                 limits: SanityLimits | None = None) -> None:
        for name, value in (('poll_interval_s', poll_interval_s),
                            ('queries_per_poll', queries_per_poll),
                            ('max_slew_ns_per_s', max_slew_ns_per_s),
                            ('query_timeout_s', query_timeout_s)):
            if not value > 0:
                raise ValueError(f'ClockMonitor {name} must be > 0, got {value}')
        if step_threshold_ns < 0:
            raise ValueError(f'ClockMonitor step_threshold_ns must be >= 0, '
                             f'got {step_threshold_ns}')
        for server in servers:
            parse_server(server, port)  # bad server strings fail here, naming the string
        self.clock = clock
        self.servers = list(servers)
        self.poll_interval_s = poll_interval_s
        self.queries_per_poll = queries_per_poll
        self.max_slew_ns_per_s = max_slew_ns_per_s
        self.step_threshold_ns = step_threshold_ns
        self.query_timeout_s = query_timeout_s
        self.port = port
        self.limits = limits if limits is not None else SanityLimits()
        self.steps = 0                      # times the offset was stepped instead of slewed
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._sample: NtpSample | None = None
        self._applied = clock.offset.get() if self.servers else 0
        self._measured = self._applied
        self._last_slew_ns = time.monotonic_ns()
        self._system_gap = (self._last_slew_ns, clock.system_ns() - self._last_slew_ns)
        self._degraded = bool(self.servers)
        self._message = WAITING_MESSAGE if self.servers else FREE_MESSAGE
        self._ok = 0
        self._failed = 0
        clock.offset.set(self._applied)

    def poll_once(self) -> NtpSample | None:
        """Measure once; step the offset when far off, else leave it to the slew.

        Returns the good sample, or None when free-running or the poll failed (then the last
        good offset is kept and the status says why).
        """
        if not self.servers:
            return None
        try:
            sample = query_best(self.servers, self.queries_per_poll, self.query_timeout_s,
                                self.port, self.clock.error, self.limits, self._stop)
        except Exception as exc:  # the monitor must outlive any failure
            reason = str(exc) if isinstance(exc, NtpError) else f'unexpected error: {exc!r}'
            with self._lock:
                self._failed += 1
                self._degraded = True
                self._message = reason
            return None
        with self._lock:
            self._ok += 1
            self._sample = sample
            self._measured = sample.offset_ns
            self._degraded = False
            self._message = ''
            first = self._ok == 1
            if first or abs(self._measured - self._applied) > self.step_threshold_ns:
                self.steps += 1
                self._apply(self._measured)
        return sample

    def advance(self) -> int:
        """Slew the applied offset for the time since the last call; return the offset."""
        now = time.monotonic_ns()
        with self._lock:
            elapsed_ns = max(0, now - self._last_slew_ns)
            self._last_slew_ns = now
            max_change = int(self.max_slew_ns_per_s * elapsed_ns / 1e9)
            self._apply(slew_toward(self._applied, self._measured, max_change))
            return self._applied

    def system_jumped(self) -> bool:
        """Tell whether the system clock jumped against the monotonic one since the last look.

        Allowed between looks: SYSTEM_JUMP_NS plus what a system NTP daemon may slew.
        """
        mono = time.monotonic_ns()
        gap = self.clock.system_ns() - mono
        last_mono, last_gap = self._system_gap
        self._system_gap = (mono, gap)
        allowed = SYSTEM_JUMP_NS + self.max_slew_ns_per_s * (mono - last_mono) / 1e9
        return abs(gap - last_gap) > allowed

    def status(self) -> ClockStatusSnapshot:
        """Return a consistent copy of the state for publishing or logging."""
        with self._lock:
            sample = self._sample
            age = (math.inf if sample is None
                   else (time.monotonic_ns() - sample.taken_at_ns) / 1e9)
            return ClockStatusSnapshot(
                server=sample.server if sample else '',
                measured_offset_ns=self._measured, applied_offset_ns=self._applied,
                delay_ns=sample.delay_ns if sample else 0,
                stratum=sample.stratum if sample else 0, age_s=age,
                degraded=self._degraded, message=self._message,
                samples_ok=self._ok, samples_failed=self._failed)

    @property
    def running(self) -> bool:
        """Tell whether the polling thread is alive."""
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Start the polling thread (nothing to run when free-running)."""
        if self._thread is not None:
            raise RuntimeError('ClockMonitor.start: already started')
        if not self.servers:
            return
        self._thread = threading.Thread(target=self._run, name='clock-monitor', daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread; a poll in flight is cut short after its current query."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.query_timeout_s + 2.0)

    def __enter__(self) -> ClockMonitor:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _apply(self, offset_ns: int) -> None:
        """Publish the offset to every reader of the clock (caller holds the lock)."""
        self._applied = offset_ns
        self.clock.offset.set(offset_ns)

    def _run(self) -> None:
        next_poll = time.monotonic()
        last_jump_poll = next_poll - JUMP_POLL_GAP_S
        jumped = False
        while not self._stop.is_set():
            jumped = self.system_jumped() or jumped
            now = time.monotonic()
            if now >= next_poll:
                self.poll_once()
                jumped = False
                next_poll = max(next_poll + self.poll_interval_s, time.monotonic())
            elif jumped and now - last_jump_poll >= JUMP_POLL_GAP_S:
                self.poll_once()
                jumped, last_jump_poll = False, now
            self.advance()
            self._stop.wait(max(0.0, min(SLEW_TICK_S, next_poll - time.monotonic())))
