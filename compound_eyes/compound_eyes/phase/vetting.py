"""Vetting the numbers one side of the phase loop receives from the other.

The server's estimator takes sets from clients and the client's command filter takes delay
commands from the server; either peer may be buggy or hostile and send NaN, infinity, bools,
text or a delay outside the tick period. Both check with this one function and then answer
with their own verdict.
"""
from __future__ import annotations

import enum
import math
import numbers


class Flaw(enum.Enum):
    """Why received numbers cannot be used."""

    NOT_FINITE = 'a number is missing, not a number or infinite'
    DELAY_OUT_OF_RANGE = 'delay outside [0, period)'


def finite_int(value: object) -> int | None:
    """Return value as an int if it is a finite real number (bools excluded), else None."""
    if type(value) is int:      # the common case, without the abstract-class checks below
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real) and math.isfinite(value):
        return round(value)
    return None


def vet_delay_and_numbers(period_ns: int, delay_ns: object,
                          *others: object) -> tuple[int, ...] | Flaw:
    """Return (delay, *others) as ints, or the first flaw found.

    Flaws: a number that is not a finite real, then a delay outside [0, period_ns).
    """
    values = [finite_int(value) for value in (delay_ns, *others)]
    if None in values:
        return Flaw.NOT_FINITE
    if not 0 <= values[0] < period_ns:
        return Flaw.DELAY_OUT_OF_RANGE
    return tuple(values)
