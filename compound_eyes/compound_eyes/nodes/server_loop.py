"""The server's loop state between messages and the estimator (no rclpy: testable alone).

The input is a FrameSetTiming (an rclpy message, or any object with its fields). The tick
period is learned from the first set the estimator accepts (garbage must not define the rig);
sets with another period are rejected. Delays are read per channel; the estimator takes one
applied delay per set, so a set whose channels report different delays is rejected rather
than guessed at. Command sequence numbers start from the synced time in microseconds, so they
keep increasing across server restarts and clients never take a restarted server for a replay.
With a rig key every command is signed once all its fields are set.
"""
from __future__ import annotations

from compound_eyes_msgs.msg import PhaseDelay

from compound_eyes.config.server import ServerConfig
from compound_eyes.interfaces.stamps import ns_from_time, time_from_ns
from compound_eyes.phase.command_auth import sign_command
from compound_eyes.phase.estimator import ClientState, PhaseEstimator, SetVerdict

_MIN_PERIOD_NS = 1_000_000           # 1000 fps, the client's limit
_MAX_PERIOD_NS = 10_000_000_000
PERIOD_OUT_OF_RANGE = f'tick_period_ns outside [{_MIN_PERIOD_NS}, {_MAX_PERIOD_NS}]'
PERIOD_DIFFERS = "tick_period_ns differs from the rig's"
MALFORMED = 'not a FrameSetTiming in CDR'
CHANNELS_MISMATCH = 'per-channel arrays differ in length'
DELAYS_DIFFER = 'phase delays differ between channels'


class ServerLoop:
    """Feeds timing sets to a PhaseEstimator and turns its output into PhaseDelay messages."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.estimator: PhaseEstimator | None = None
        self.accepted = 0
        self.rejected: dict[str, int] = {}      # reason -> count (fixed texts: bounded)
        self._sequence = 0

    @property
    def period_ns(self) -> int:
        """Tick period in use (0 before the first set)."""
        return self.estimator.period_ns if self.estimator else 0

    def observe(self, timing: object, now_ns: int) -> str:
        """Take one FrameSetTiming; return '' when used, else why it was rejected."""
        period = timing.tick_period_ns
        problem = self._check_period(period)
        if problem:
            self.reject(problem)
            return f'{problem} ({period})'
        problem = _check_channels(timing)
        if problem:
            self.reject(problem)
            return problem
        delays = timing.phase_delays_ns
        estimator = self.estimator or self._new_estimator(period)
        verdict = estimator.observe(
            timing.client_id, timing.tick, ns_from_time(timing.header.stamp),
            delays[0] if len(delays) else 0,      # no channel: rejected for want of stamps
            timing.capture_stamps_ns, now_ns, missing_count=len(timing.missing_channel_ids))
        if verdict is not SetVerdict.ACCEPTED:
            self.reject(verdict.value)
            return verdict.value
        self.estimator = estimator      # the first accepted set fixes the rig's period
        self.accepted += 1
        return ''

    def reconfigure(self, config: ServerConfig) -> None:
        """Take new live settings: the command lifetime and the estimator's lock threshold."""
        self.config = config
        if self.estimator is not None:
            self.estimator.lock_threshold_ns = config.lock_threshold_ns

    def reject(self, reason: str) -> None:
        """Count a set rejected for reason (a fixed text, so the table stays small)."""
        self.rejected[reason] = self.rejected.get(reason, 0) + 1

    def commands(self, now_ns: int) -> list[PhaseDelay]:
        """Return this round's PhaseDelay messages, one per client with an estimate."""
        if self.estimator is None:
            return []
        messages = []
        expires = time_from_ns(now_ns + self.config.command_ttl_ns)
        for command in self.estimator.commands(now_ns):
            if command.delay_ns is None:
                continue
            self._sequence = max(self._sequence + 1, now_ns // 1000)
            msg = PhaseDelay()
            msg.header.stamp = time_from_ns(now_ns)
            msg.client_id = command.client_id
            msg.tick_period_ns = self.estimator.period_ns
            msg.delay_ns = int(command.delay_ns)
            msg.residual_ns = int(command.residual_ns)
            msg.sample_count = int(command.sample_count)
            msg.sequence = self._sequence
            msg.expires = expires
            if self.config.command_key:
                sign_command(self.config.command_key, msg)
            messages.append(msg)
        return messages

    def status(self, now_ns: int) -> list[ClientState]:
        """Return the estimator's view of every known client."""
        return self.estimator.status(now_ns) if self.estimator else []

    def _check_period(self, period_ns: int) -> str:
        if not _MIN_PERIOD_NS <= period_ns <= _MAX_PERIOD_NS:
            return PERIOD_OUT_OF_RANGE
        if self.estimator is not None and period_ns != self.estimator.period_ns:
            return PERIOD_DIFFERS
        return ''

    def _new_estimator(self, period_ns: int) -> PhaseEstimator:
        return PhaseEstimator(period_ns, **self.config.estimator_options())


def _check_channels(timing: object) -> str:
    """Return why the per-channel arrays cannot be paired, '' when they can."""
    count = len(timing.channel_ids)
    if any(len(values) != count for values in (
            timing.capture_stamps_ns, timing.stamp_sources, timing.stamp_uncertainties_ns,
            timing.phase_delays_ns)):
        return CHANNELS_MISMATCH
    if count and min(timing.phase_delays_ns) != max(timing.phase_delays_ns):
        return DELAYS_DIFFER
    return ''
