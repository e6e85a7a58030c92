"""Client side of the phase loop: vet the server's delay commands and slew toward them.

The client trusts nothing it receives: a command for another client, a replay, a stale or
out-of-range one is refused with a reason, and accepted ones are approached at a bounded
rate per tick so a bad estimate can never make the capture phase leap.
"""
from __future__ import annotations

import enum

from compound_eyes.phase.vetting import Flaw, vet_delay_and_numbers


class OfferVerdict(enum.Enum):
    """Outcome of offer(); truthy only when the command was accepted."""

    ACCEPTED = 'accepted'
    OTHER_CLIENT = 'command is for another client'
    NOT_FINITE = Flaw.NOT_FINITE.value
    WRONG_PERIOD = 'server assumed another tick period'
    OUT_OF_RANGE = Flaw.DELAY_OUT_OF_RANGE.value
    EXPIRED = 'command expired'
    REPLAYED = 'sequence not newer than the last accepted'
    UNSIGNED = 'unsigned'                  # refused by the CommandVerifier, before vetting
    BAD_SIGNATURE = 'bad signature'

    def __bool__(self) -> bool:
        return self is OfferVerdict.ACCEPTED


_VERDICTS = {Flaw.NOT_FINITE: OfferVerdict.NOT_FINITE,
             Flaw.DELAY_OUT_OF_RANGE: OfferVerdict.OUT_OF_RANGE}


class DelayCommandFilter:
    """The delay one client applies after its barrier, steered by vetted server commands."""

    def __init__(self, client_id: str, period_ns: int, max_slew_ns_per_tick: int,
                 initial_delay_ns: int = 0) -> None:
        if period_ns <= 0 or max_slew_ns_per_tick <= 0:
            raise ValueError(f'period_ns and max_slew_ns_per_tick must be positive, got '
                             f'{period_ns!r} and {max_slew_ns_per_tick!r}')
        if not 0 <= initial_delay_ns < period_ns:
            raise ValueError(f'initial_delay_ns must be in [0, {period_ns}), '
                             f'got {initial_delay_ns!r}')
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
        vetted = vet_delay_and_numbers(self.period_ns, delay_ns, tick_period_ns, sequence,
                                       expires_ns)
        if isinstance(vetted, Flaw):
            return _VERDICTS[vetted]
        delay, period, seq, expires = vetted
        if period != self.period_ns:
            return OfferVerdict.WRONG_PERIOD
        if expires <= now_ns:
            return OfferVerdict.EXPIRED
        if seq <= self.sequence:
            return OfferVerdict.REPLAYED
        self.sequence = seq
        self.target_ns = delay
        return OfferVerdict.ACCEPTED

    def next_delay(self) -> int:
        """Return the delay of the next tick, one bounded step toward the target; once per tick.

        Without new commands (server gone) the delay simply stays where it got to.
        """
        step = max(-self.max_slew_ns, min(self.max_slew_ns, self.target_ns - self.applied_ns))
        self.applied_ns += step
        return self.applied_ns
