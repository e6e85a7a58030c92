"""The synced wall clock: a host's system time plus the offset its NTP measurement applies.

A simulated clock error can be layered under the system time so one machine can play several
badly synced hosts. The clock is picklable and reads the applied offset from shared memory,
so every capture process of a client sees the same synced time without messages.
"""
from __future__ import annotations

import multiprocessing
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class ClockErrorModel:
    """Error of a simulated host's system clock against the real clock.

    error(t) = offset_ns + drift_ppm * (t - epoch_ns) * 1e-6, plus step_ns once t >= step_at_ns.
    """

    offset_ns: int = 0
    drift_ppm: float = 0.0
    step_ns: int = 0
    step_at_ns: int | None = None
    epoch_ns: int = 0

    def error_ns(self, real_ns: int) -> int:
        """Return how far the simulated system clock reads ahead of the real clock at real_ns."""
        error = self.offset_ns
        if self.drift_ppm:
            error += int((real_ns - self.epoch_ns) * self.drift_ppm * 1e-6)
        if self.step_at_ns is not None and real_ns >= self.step_at_ns:
            error += self.step_ns
        return error

    @property
    def is_zero(self) -> bool:
        """Tell whether the model adds no error at all."""
        return not (self.offset_ns or self.drift_ppm or self.step_ns)


class SharedOffset:
    """An int64 offset in shared memory, written by the clock monitor, read by capture processes."""

    def __init__(self, initial_ns: int = 0) -> None:
        self._value = multiprocessing.Value('q', initial_ns, lock=False)

    def get(self) -> int:
        """Return the offset in nanoseconds."""
        return self._value.value

    def set(self, offset_ns: int) -> None:
        """Replace the offset (one aligned 64-bit store, so readers never see a torn value)."""
        self._value.value = int(offset_ns)


class SyncedClock:
    """System time of a (possibly simulated) host plus the applied NTP offset."""

    def __init__(self, offset: SharedOffset | None = None,
                 error: ClockErrorModel | None = None) -> None:
        self.offset = offset if offset is not None else SharedOffset()
        self.error = error if error is not None else ClockErrorModel()

    def system_ns(self) -> int:
        """Return the host's system clock: the real clock plus the simulated error."""
        real = time.time_ns()
        return real if self.error.is_zero else real + self.error.error_ns(real)

    def now_ns(self) -> int:
        """Return synced wall-clock time in nanoseconds."""
        return self.system_ns() + self.offset.get()

    def to_real_ns(self, synced_ns: int) -> int:
        """Map a synced time back to the real clock (only meaningful in simulations)."""
        real_guess = synced_ns - self.offset.get()
        return real_guess - self.error.error_ns(real_guess)
