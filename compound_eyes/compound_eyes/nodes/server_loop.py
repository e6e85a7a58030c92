"""The server's loop state between messages and the estimator (no rclpy: testable alone).

The input is a FrameSetTiming (an rclpy message, or any object with its fields). The tick
period is learned from the first set the estimator accepts (garbage must not define the rig);
sets with another period are rejected. Delays are read per channel: ChannelOffsets learns
each camera's latency relative to its client's latest camera and hands the per-client
estimator one delay per set; each command carries the client's delay and, per channel, that
delay corrected by the channel's offset; a free-running channel's delay names the common
instant its frames are picked nearest to. Command sequence numbers start from the synced
time in microseconds, so they keep increasing across server restarts and clients never take
a restarted server for a replay.
With a rig key every command is signed once all its fields are set.
"""
from __future__ import annotations

from compound_eyes_msgs.msg import PhaseDelay

from compound_eyes.config.server import ServerConfig
from compound_eyes.interfaces.schema import LockState
from compound_eyes.interfaces.stamps import ns_from_time, time_from_ns
from compound_eyes.phase.channel_offsets import ChannelOffsets, ChannelState
from compound_eyes.phase.command_auth import sign_command
from compound_eyes.phase.estimator import ClientState, PhaseEstimator, SetVerdict
from compound_eyes.phase.freerun_instant import span_minimising_phase

_MIN_PERIOD_NS = 1_000_000           # 1000 fps, the client's limit
_MAX_PERIOD_NS = 10_000_000_000
PERIOD_OUT_OF_RANGE = f'tick_period_ns outside [{_MIN_PERIOD_NS}, {_MAX_PERIOD_NS}]'
PERIOD_DIFFERS = "tick_period_ns differs from the rig's"
MALFORMED = 'not a FrameSetTiming in CDR'
CHANNELS_MISMATCH = 'per-channel arrays differ in length'


class ServerLoop:
    """Feeds timing sets to a PhaseEstimator and turns its output into PhaseDelay messages."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.estimator: PhaseEstimator | None = None
        self.channels: ChannelOffsets | None = None
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
        estimator = self.estimator or self._new_estimator(period)
        channels = self.channels if self.estimator else _channel_offsets(estimator)
        scheduled = ns_from_time(timing.header.stamp)
        per_channel = (timing.channel_ids, timing.capture_stamps_ns, timing.phase_delays_ns,
                       scheduled)
        seen = channels.estimator_input(timing.client_id, *per_channel)
        verdict = estimator.observe(
            timing.client_id, timing.tick, scheduled, seen.applied_delay_ns, seen.stamps_ns,
            now_ns, missing_count=len(timing.missing_channel_ids))
        if verdict is not SetVerdict.ACCEPTED:
            self.reject(verdict.value)
            return verdict.value
        self.estimator = estimator      # the first accepted set fixes the rig's period
        self.channels = channels
        channels.learn(timing.client_id, seen, scheduled, now_ns)
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
        commands = self.estimator.commands(now_ns)
        free_running = self._free_running_instant(now_ns)
        for command in commands:
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
            per_channel = self.channels.channel_delays(
                command.client_id, msg.delay_ns, self.estimator.min_delay_ns,
                self.estimator.max_delay_ns, free_running)
            msg.channel_ids = list(per_channel)
            msg.channel_delays_ns = list(per_channel.values())
            if self.config.command_key:
                sign_command(self.config.command_key, msg)
            messages.append(msg)
        return messages

    def _free_running_instant(self, now_ns: int) -> int | None:
        """Return the phase free-running cameras pick their frames nearest to (None: none).

        While a client with a controllable camera is present, triggered cameras expose at the
        target phase C, so the free-running ones follow it; otherwise the phase whose sets
        span least.
        """
        target = self.estimator.target_phase_ns
        steered = any(state.controllable and state.lock_state is not LockState.LOST
                      and any(c.controllable for c in self.channels.states(state.client_id))
                      for state in self.estimator.status(now_ns))
        if steered and target is not None:
            return int(round(target)) % self.estimator.period_ns
        return span_minimising_phase(self.channels.free_running_phases(),
                                     self.estimator.period_ns)

    def status(self, now_ns: int) -> list[ClientState]:
        """Return the estimator's view of every known client."""
        return self.estimator.status(now_ns) if self.estimator else []

    def channel_states(self, client_id: str) -> list[ChannelState]:
        """Return a client's cameras: offset, delay applied, controllable."""
        return self.channels.states(client_id) if self.channels else []

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
    return ''


def _channel_offsets(estimator: PhaseEstimator) -> ChannelOffsets:
    """Per-camera offsets over the estimator's window, with its limits."""
    return ChannelOffsets(estimator.period_ns, window=estimator.window,
                          min_samples=estimator.min_samples,
                          probe_span_ns=estimator.probe_span_ns,
                          max_stamp_ns=estimator.max_stamp_ns, lost_ns=estimator.lost_ns,
                          max_clients=estimator.max_clients)
