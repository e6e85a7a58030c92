"""Server side of the phase loop: per-client capture latency in, per-client delay out.

Each set gives, per camera, l = s - T_k - applied_delay: the client's effective latency,
which (for a triggered camera) does not depend on the delay. The delay that puts the capture
at a common phase C is then simply C - L with L the windowed circular median of l. Because
the target comes from a measurement and not from integrating errors, the loop cannot wind up
or oscillate, and the client's slew toward the command is harmless: every set reports the
delay actually applied.
"""
from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from compound_eyes.interfaces.schema import LockState
from compound_eyes.phase.circular import circular_median, plain_median, wrap, wrap_each
from compound_eyes.phase.vetting import Flaw, finite_int, vet_delay_and_numbers
from compound_eyes.phase.window import SampleWindow

_LATENCY, _PHASE, _DELAY, _SPREAD = range(4)
_MAX_STAMPS = 256
_MAX_MISSING = 1 << 16
_MAX_CLIENT_ID = 256
_NS_PER_S = 1_000_000_000


class SetVerdict(enum.Enum):
    """Why observe() did or did not use a set."""

    ACCEPTED = 'accepted'
    BAD_CLIENT_ID = 'client id empty, too long or not a string'
    BAD_NUMBER = 'a number is not a finite integer'
    BAD_SCHEDULE = 'scheduled time is not tick * period or too far from now'
    BAD_DELAY = 'applied delay outside [0, period)'
    OLD_TICK = 'tick not newer than the last accepted one'
    NO_VALID_STAMPS = 'no stamp within the allowed distance of the scheduled time'
    TOO_MANY_CLIENTS = 'client table full'


_VERDICTS = {Flaw.NOT_FINITE: SetVerdict.BAD_NUMBER, Flaw.DELAY_OUT_OF_RANGE: SetVerdict.BAD_DELAY}


@dataclass(frozen=True)
class DelayCommand:
    """What the server should send one client (sequence and expiry are the sender's job)."""

    client_id: str
    delay_ns: int
    residual_ns: int
    sample_count: int
    locked: bool


@dataclass(frozen=True)
class ClientState:
    """A snapshot of one client's synchronization, shaped after ClientSyncStatus.msg."""

    client_id: str
    lock_state: LockState
    residual_ns: int
    intra_client_spread_ns: int
    delay_ns: int
    latency_ns: int
    controllable: bool
    last_seen_ns: int
    sets_received: int
    sets_missed: int
    frames_missing: int


@dataclass
class _Track:
    """Everything the estimator keeps about one client."""

    window: SampleWindow
    last_seen_ns: int
    last_tick: int = -1
    last_applied_ns: int = 0
    commanded_ns: int | None = None
    latency_ns: float | None = None
    phase_ns: float | None = None
    spread_ns: float = 0.0
    controllable: bool = True
    held_since_ns: int = 0
    locked: bool = False
    lost: bool = False
    in_lock_run: int = 0
    out_lock_run: int = 0
    jump_run: list[tuple[float, float, float, float]] = field(default_factory=list)
    sets_received: int = 0
    sets_missed: int = 0
    frames_missing: int = 0

    def restart(self) -> None:
        """Forget the estimate, as for a new client, keeping the counters."""
        self.window.clear()
        self.jump_run.clear()
        self.latency_ns = self.phase_ns = None
        self.commanded_ns = None
        self.controllable = True
        self.locked = self.lost = False
        self.in_lock_run = self.out_lock_run = 0


class PhaseEstimator:
    """Turns clients' capture stamps into delay commands that align their capture phase.

    Parameters (all times in ns unless named _s):
        period_ns: tick period P.
        window: sets per client the median runs over.
        reference: 'median' (the group) or a client id whose capture phase the others follow.
        min_delay_ns, max_delay_ns: range commanded delays are kept in, 0 <= min < max < P.
        lock_threshold_ns, lock_samples: a client is LOCKED after lock_samples consecutive
            sets within the threshold of the target and ACQUIRING after as many outside.
        lost_timeout_s, forget_timeout_s: unseen this long, a client is LOST, then removed.
        gain: fraction of the way to the target each command moves, (0, 1].
        headroom_ns: margin kept from the delay range when the target phase is chosen.
        jump_threshold_ns, jump_samples: that many consecutive sets this far from the
            estimate in both latency and phase, mutually consistent, restart the window.
        min_samples: sets a client needs before it gets commands or shapes the target.
        probe_span_ns: delay variation needed before judging whether the delay moves the phase.
        reprobe_s: a client judged not controllable is probed again after this long.
        max_stamp_periods: stamps farther than this many periods from T_k are rejected.
        max_clients: client table size; protects memory against invented client ids.
    """

    def __init__(self, period_ns: int, *, window: int, reference: str,
                 lock_threshold_ns: int, lost_timeout_s: float, forget_timeout_s: float,
                 min_delay_ns: int = 0, max_delay_ns: int | None = None,
                 lock_samples: int = 10, gain: float = 1.0, headroom_ns: int | None = None,
                 jump_threshold_ns: int = 3_000_000, jump_samples: int = 6,
                 min_samples: int = 5, probe_span_ns: int = 2_000_000, reprobe_s: float = 10.0,
                 max_stamp_periods: int = 3, max_clients: int = 256) -> None:
        self.period_ns = int(period_ns)
        if self.period_ns <= 0:
            raise ValueError('period_ns must be positive')
        self.min_delay_ns = int(min_delay_ns)
        self.max_delay_ns = int(max_delay_ns if max_delay_ns is not None
                                else self.period_ns * 9 // 10)
        if not 0 <= self.min_delay_ns < self.max_delay_ns < self.period_ns:
            raise ValueError('need 0 <= min_delay_ns < max_delay_ns < period_ns')
        if not 0.0 < gain <= 1.0:
            raise ValueError('gain must be in (0, 1]')
        if not 0.0 < lost_timeout_s <= forget_timeout_s:
            raise ValueError('need 0 < lost_timeout_s <= forget_timeout_s')
        if min(window, lock_samples, jump_samples, min_samples, max_clients) < 1:
            raise ValueError('window, sample counts and max_clients must be positive')
        span = self.max_delay_ns - self.min_delay_ns
        self.headroom_ns = min(2_000_000, span // 4) if headroom_ns is None else int(headroom_ns)
        self.window = int(window)
        self.reference = reference
        self.lock_threshold_ns = int(lock_threshold_ns)
        self.lock_samples = int(lock_samples)
        self.lost_ns = int(lost_timeout_s * _NS_PER_S)
        self.forget_ns = int(forget_timeout_s * _NS_PER_S)
        self.gain = float(gain)
        self.jump_threshold_ns = int(jump_threshold_ns)
        self.jump_samples = int(jump_samples)
        self.min_samples = int(min_samples)
        self.probe_span_ns = int(probe_span_ns)
        self.reprobe_ns = int(reprobe_s * _NS_PER_S)
        self.max_stamp_ns = int(max_stamp_periods) * self.period_ns
        self.max_clients = int(max_clients)
        self.target_phase_ns: float | None = None   # C: exposure offset from T_k
        self._reference_delay_ns: float | None = None
        self._tracks: dict[str, _Track] = {}

    # -- input -------------------------------------------------------------------------

    def observe(self, client_id: str, tick: int, scheduled_ns: int, applied_delay_ns: int,
                stamps_ns: Sequence[int], now_ns: int, missing_count: int = 0) -> SetVerdict:
        """Take one client's set; hostile values are rejected, never trusted."""
        if not isinstance(client_id, str) or not 0 < len(client_id) <= _MAX_CLIENT_ID:
            return SetVerdict.BAD_CLIENT_ID
        vetted = vet_delay_and_numbers(self.period_ns, applied_delay_ns, tick, scheduled_ns,
                                       now_ns)
        if isinstance(vetted, Flaw):
            return _VERDICTS[vetted]
        delay, tick, scheduled, now = vetted
        if (tick < 0 or scheduled != tick * self.period_ns
                or not now - self.lost_ns <= scheduled <= now + self.max_stamp_ns):
            return SetVerdict.BAD_SCHEDULE
        offsets = self._stamp_offsets(stamps_ns, scheduled, delay)
        if offsets is None:
            return SetVerdict.NO_VALID_STAMPS
        track = self._tracks.get(client_id)
        if track is None:
            if len(self._tracks) >= self.max_clients:
                return SetVerdict.TOO_MANY_CLIENTS
            track = self._tracks[client_id] = _Track(SampleWindow(self.window, 4), now)
        elif track.lost or now - track.last_seen_ns > self.lost_ns:
            track.restart()
        elif tick <= track.last_tick:
            return SetVerdict.OLD_TICK
        elif track.last_tick >= 0:
            track.sets_missed += tick - track.last_tick - 1
        missing = finite_int(missing_count)
        track.frames_missing += min(max(missing or 0, 0), _MAX_MISSING)
        track.sets_received += 1
        track.last_tick, track.last_seen_ns, track.last_applied_ns = tick, now, delay
        self._add_sample(track, offsets, delay)
        return SetVerdict.ACCEPTED

    def _stamp_offsets(self, stamps_ns: Sequence[int], scheduled: int,
                       delay: int) -> list[float] | None:
        """Return s - T_k - delay of the plausible stamps, or None when none is plausible."""
        if (not isinstance(stamps_ns, (Sequence, np.ndarray))
                or isinstance(stamps_ns, (str, bytes)) or len(stamps_ns) > _MAX_STAMPS):
            return None
        offsets = []
        for raw in stamps_ns:
            stamp = finite_int(raw)
            if stamp is not None and abs(stamp - scheduled) <= self.max_stamp_ns:
                offsets.append(float(stamp - scheduled - delay))
        return offsets or None

    def _add_sample(self, track: _Track, offsets: list[float], delay: int) -> None:
        """Reduce one set to (latency, phase, delay, spread) and feed window, jump and lock."""
        latency = unwrapped_median(offsets, self.period_ns)
        around = wrap_each([x - latency for x in offsets], self.period_ns)
        spread = max(around) - min(around)
        phase = latency + delay
        sample = (latency, phase, float(delay), spread)
        if self._is_jump(track, latency, phase):
            track.jump_run.append(sample)
            run = np.asarray(track.jump_run)
            consistent = np.ptp(wrap(run[:, _LATENCY] - run[0, _LATENCY],
                                     self.period_ns)) <= self.jump_threshold_ns
            if not consistent:
                track.jump_run = [sample]
            elif len(run) >= self.jump_samples:
                track.window.clear()
                for row in track.jump_run:
                    track.window.push(row)
                track.jump_run.clear()
                self._estimate(track)
        else:
            track.jump_run.clear()
            track.window.push(sample)
        self._update_lock(track, phase)

    def _is_jump(self, track: _Track, latency: float, phase: float) -> bool:
        """Tell whether a set is far from the estimate in latency and in phase alike.

        A delay change alone moves only one of the two (phase for a triggered camera,
        latency for a free-running one); a real phase jump moves both.
        """
        if track.latency_ns is None or track.phase_ns is None:
            return False
        far_latency = abs(wrap(latency - track.latency_ns, self.period_ns))
        far_phase = abs(wrap(phase - track.phase_ns, self.period_ns))
        return bool(far_latency > self.jump_threshold_ns and far_phase > self.jump_threshold_ns)

    def _update_lock(self, track: _Track, phase: float) -> None:
        """Count consecutive sets in and out of the lock threshold; switch with hysteresis."""
        if self.target_phase_ns is None:
            return
        if abs(wrap(phase - self.target_phase_ns, self.period_ns)) <= self.lock_threshold_ns:
            track.in_lock_run += 1
            track.out_lock_run = 0
        else:
            track.out_lock_run += 1
            track.in_lock_run = 0
        if track.in_lock_run >= self.lock_samples:
            track.locked = True
        elif track.out_lock_run >= self.lock_samples:
            track.locked = False

    # -- estimation ----------------------------------------------------------------------

    def _estimate(self, track: _Track) -> None:
        """Refresh the window estimates and judge whether the delay moves the phase."""
        rows = track.window.rows()
        if not len(rows):
            return
        track.latency_ns = unwrapped_median(rows[:, _LATENCY], self.period_ns)
        track.phase_ns = unwrapped_median(rows[:, _PHASE], self.period_ns)
        track.spread_ns = plain_median(rows[:, _SPREAD].tolist())
        delays = rows[:, _DELAY]
        if len(rows) >= self.min_samples and np.ptp(delays) >= self.probe_span_ns:
            phases = wrap(rows[:, _PHASE] - track.phase_ns, self.period_ns)
            slope = robust_slope(delays, phases, self.probe_span_ns / 4)
            if slope is None:
                return
            if track.controllable and slope < 0.5:
                track.commanded_ns = track.last_applied_ns   # hold where it stands
                track.held_since_ns = track.last_seen_ns
            track.controllable = slope >= 0.5

    def _expire(self, now_ns: int) -> None:
        """Mark clients unseen for lost_timeout LOST and drop those unseen for forget_timeout."""
        for client_id, track in list(self._tracks.items()):
            age = now_ns - track.last_seen_ns
            if age > self.forget_ns:
                del self._tracks[client_id]
            elif age > self.lost_ns:
                track.lost, track.locked = True, False

    def _ready(self, track: _Track) -> bool:
        return not track.lost and track.window.count >= self.min_samples

    def _update_target(self, participants: dict[str, _Track]) -> None:
        """Choose C once, then keep it where it is unless some client's delay cannot reach it.

        C is an exposure offset from T_k, not a phase modulo P: a client whose delay is
        C - L exposes at k*P + C, so its set of tick k holds the same instant as everyone
        else's. A client that C - L cannot serve within the delay range is aligned
        modulo P (the neighbouring tick) rather than moving C for everybody.
        """
        latencies = {cid: t.latency_ns for cid, t in participants.items()}
        reference = latencies.get(self.reference) if self.reference != 'median' else None
        if self.target_phase_ns is None:
            target = self._first_target(latencies, [t.phase_ns for t in participants.values()])
        elif reference is not None and self._reference_delay_ns is not None:
            target = reference + self._reference_delay_ns
        else:
            target = self.target_phase_ns
        target = self._kept_in_reach(target, np.fromiter(latencies.values(), np.float64))
        if reference is not None:
            self._reference_delay_ns = target - reference
        self.target_phase_ns = target

    def _first_target(self, latencies: dict[str, float], phases: list[float]) -> float:
        """Return the first C: the phase the clients already share, reachable on one tick.

        The median of the capture phases moves the clients least: a restarted or standby
        server adopts the phase a locked rig applies (no client moves at all), a cold rig
        moves each client only by its latency's distance from the others'. When some present
        client cannot reach that phase on the same tick as the others, C is moved to where
        all can, `headroom_ns` inside the delay range (if the latencies allow it at all).
        """
        values = np.fromiter(latencies.values(), np.float64)
        low = float(values.max()) + self.min_delay_ns
        high = float(values.min()) + self.max_delay_ns
        wanted = float(np.median(phases))
        if low > high or low <= wanted <= high:
            return wanted
        margin = min(self.headroom_ns, (high - low) / 2.0)
        return min(max(wanted, low + margin), high - margin)

    def _reaches(self, target: float, latency: float) -> bool:
        """Tell whether some delay in range puts a client of this latency at C (modulo P)."""
        middle = (self.min_delay_ns + self.max_delay_ns) / 2.0
        delay = middle + float(wrap(target - latency - middle, self.period_ns))
        return self.min_delay_ns <= delay <= self.max_delay_ns

    def _kept_in_reach(self, target: float, latencies: np.ndarray) -> float:
        """Return C unchanged while every client reaches it, else moved just inside.

        The move is computed in a frame centred on the group's circular median latency m,
        where the delays C - L_i are plain differences: C may be anywhere in
        [hi + min, lo + max] (lo, hi: extreme latencies) and moves just inside by the
        headroom; of its representatives modulo P the one nearest the old C is kept.
        """
        if all(self._reaches(target, latency) for latency in latencies):
            return target
        centre = float(circular_median(latencies, self.period_ns))
        rel = wrap(latencies - centre, self.period_ns)
        low = float(rel.max()) + self.min_delay_ns
        high = float(rel.min()) + self.max_delay_ns
        middle = (low + high) / 2.0
        base = float(wrap(target - centre, self.period_ns))
        moved = min((base + k * self.period_ns for k in (-1, 0, 1)),
                    key=lambda c: abs(c - middle))
        if low > high:
            moved = middle
        elif moved < low:
            moved = min(low + self.headroom_ns, middle)
        elif moved > high:
            moved = max(high - self.headroom_ns, middle)
        return target + float(wrap(centre + moved - target, self.period_ns))

    # -- output --------------------------------------------------------------------------

    def commands(self, now_ns: int) -> list[DelayCommand]:
        """Refresh estimates and return a command for every client with enough sets."""
        self._expire(now_ns)
        for track in self._tracks.values():
            if not track.lost:
                self._estimate(track)
        for track in self._tracks.values():
            if not track.controllable and now_ns - track.held_since_ns > self.reprobe_ns:
                track.controllable = True   # probe again: a noisy judgement must not stick
        ready = {cid: t for cid, t in self._tracks.items() if self._ready(t)}
        participants = {cid: t for cid, t in ready.items() if t.controllable}
        waiting = any(not t.lost and not self._ready(t) for t in self._tracks.values())
        if participants and not (self.target_phase_ns is None and waiting):
            self._update_target(participants)   # the first C waits for every sending client
        if self.target_phase_ns is None:
            return []
        out = []
        for client_id, track in ready.items():
            if track.controllable:
                middle = (self.min_delay_ns + self.max_delay_ns) / 2.0
                desired = middle + float(wrap(self.target_phase_ns - track.latency_ns - middle,
                                              self.period_ns))
                start = (track.commanded_ns if track.commanded_ns is not None
                         else track.last_applied_ns)
                delay = start + self.gain * (desired - start)
                track.commanded_ns = int(round(min(max(delay, self.min_delay_ns),
                                                   self.max_delay_ns)))
            out.append(DelayCommand(client_id, track.commanded_ns, self._residual(track),
                                    track.window.count, track.locked))
        return out

    def _residual(self, track: _Track) -> int:
        """Predicted phase error with the delay now applied: L + d - C."""
        if track.latency_ns is None or self.target_phase_ns is None:
            return 0
        return int(round(float(wrap(track.latency_ns + track.last_applied_ns
                                    - self.target_phase_ns, self.period_ns))))

    def status(self, now_ns: int) -> list[ClientState]:
        """Return a snapshot of every known client, LOST ones included until forgotten."""
        self._expire(now_ns)
        return [ClientState(
            client_id=client_id,
            lock_state=(LockState.LOST if track.lost else
                        LockState.LOCKED if track.locked else LockState.ACQUIRING),
            residual_ns=self._residual(track),
            intra_client_spread_ns=int(round(track.spread_ns)),
            delay_ns=(track.commanded_ns if track.commanded_ns is not None
                      else track.last_applied_ns),
            latency_ns=int(round(track.latency_ns or 0.0)),
            controllable=track.controllable,
            last_seen_ns=track.last_seen_ns,
            sets_received=track.sets_received,
            sets_missed=track.sets_missed,
            frames_missing=track.frames_missing,
        ) for client_id, track in self._tracks.items()]


def unwrapped_median(values: Sequence[float] | np.ndarray, period_ns: int) -> float:
    """Return the circular median as its representative nearest the plain median.

    Modulo P it is robust to a free-running camera's whole-frame jumps; unwrapped it keeps
    a triggered client's latency of more than P/2 as it is, so its delay can put its
    exposure on the same tick as everyone else's.
    """
    centre = float(circular_median(values, period_ns))
    plain = plain_median(values.tolist() if isinstance(values, np.ndarray) else list(values))
    return centre + period_ns * round((plain - centre) / period_ns)


def robust_slope(x: np.ndarray, y: np.ndarray, min_dx: float) -> float | None:
    """Median of pairwise slopes over near pairs at least min_dx apart (Theil-Sen), or None.

    x, y: delays and phases of a window, oldest first. Scheduling hiccups on a busy host put
    single sets milliseconds off; a least-squares slope bends towards them, the median of
    pairwise slopes does not. Only pairs at most a quarter of the window apart count: the
    loop answers a latency change only once half the window has seen it, so such a pair
    never holds both a latency change and the delay moved to follow it (paired, the two
    cancel, and a triggered client whose latency rose for a while reads as free-running).
    """
    i, j = np.triu_indices(len(x), k=1)
    dx = x[j] - x[i]
    usable = (np.abs(dx) >= min_dx) & (j - i <= max(1, len(x) // 4))
    if not usable.any():
        return None
    return float(np.median((y[j] - y[i])[usable] / dx[usable]))
