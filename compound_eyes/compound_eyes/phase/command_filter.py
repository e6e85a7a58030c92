"""Client side of the phase loop: vet the server's delay commands and slew toward them.

The client trusts nothing it receives: a command for another client, a replay, a stale or
out-of-range one is refused with a reason, and accepted ones are approached at a bounded
rate per tick so a bad estimate can never make the capture phase leap.
"""
from __future__ import annotations

import enum
import math


class OfferVerdict(enum.Enum):
    """Outcome of offer(); truthy only when the command was accepted."""

    ACCEPTED = 'accepted'
    OTHER_CLIENT = 'command is for another client'
    NOT_FINITE = 'a number is missing, not a number or infinite'
    WRONG_PERIOD = 'server assumed another tick period'
    OUT_OF_RANGE = 'delay outside [0, period)'
    EXPIRED = 'command expired'
    REPLAYED = 'sequence not newer than the last accepted'

    def __bool__(self) -> bool:
        return self is OfferVerdict.ACCEPTED


def _as_int(value: object) -> int | None:
    """Return value as an int if it is a finite real number (bools excluded), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return round(value)
    return None


class DelayCommandFilter:
    """The delay one client applies after its barrier, steered by vetted server commands."""

    def __init__(self, client_id: str, period_ns: int, max_slew_ns_per_tick: int,
                 initial_delay_ns: int = 0) -> None:
        if period_ns <= 0 or max_slew_ns_per_tick <= 0:
            raise ValueError('period and slew must be positive')
        if not 0 <= initial_delay_ns < period_ns:
            raise ValueError('initial delay must be in [0, period)')
        self.client_id = client_id
        self.period_ns = int(period_ns)
        self.max_slew_ns = int(max_slew_ns_per_tick)
        self.target_ns = int(initial_delay_ns)
        self.applied_ns = int(initial_delay_ns)
        self.sequence = 0   # last accepted sequence, reported back in SyncedFrameSet

    def offer(self, client_id: str, tick_period_ns: object, delay_ns: object,
              sequence: object, expires_ns: object, now_ns: int) -> OfferVerdict:
        """Accept a command as the new target, or say why it was refused."""
        if client_id != self.client_id:
            return OfferVerdict.OTHER_CLIENT
        period, delay, seq, expires = (_as_int(v) for v in
                                       (tick_period_ns, delay_ns, sequence, expires_ns))
        if period is None or delay is None or seq is None or expires is None:
            return OfferVerdict.NOT_FINITE
        if period != self.period_ns:
            return OfferVerdict.WRONG_PERIOD
        if not 0 <= delay < self.period_ns:
            return OfferVerdict.OUT_OF_RANGE
        if expires <= now_ns:
            return OfferVerdict.EXPIRED
        if seq <= self.sequence:
            return OfferVerdict.REPLAYED
        self.sequence = seq
        self.target_ns = delay
        return OfferVerdict.ACCEPTED

    def next_delay(self) -> int:
        """Return the delay for the coming tick, one bounded step toward the target.

        Without new commands (server gone) the delay simply stays where it got to.
        """
        step = max(-self.max_slew_ns, min(self.max_slew_ns, self.target_ns - self.applied_ns))
        self.applied_ns += step
        return self.applied_ns
