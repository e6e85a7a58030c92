"""CPU use of the whole machine from /proc/stat, so a run can say how busy everything else was.

Benchmarks share two cores with other people's jobs; the machine's busy time minus the
benchmark's own processes (bench/cpu.py) is what competed with them. 100 % is one busy core,
as in CpuSampler.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

_TICKS_PER_S = os.sysconf('SC_CLK_TCK')
_IDLE_FIELDS = (3, 4)   # idle, iowait of the aggregate "cpu" line


def busy_ticks() -> int:
    """Return the clock ticks all cores spent busy since boot (everything but idle and iowait)."""
    fields = Path('/proc/stat').read_text().splitlines()[0].split()[1:]
    values = [int(v) for v in fields[:8]]  # user nice system idle iowait irq softirq steal
    return sum(v for i, v in enumerate(values) if i not in _IDLE_FIELDS)


class MachineCpu:
    """Busy percent of the machine from construction to stop()."""

    def __init__(self) -> None:
        self._start = (time.monotonic(), busy_ticks())

    def stop(self) -> float:
        """Return the busy percent since construction (100 % = one core)."""
        t0, ticks0 = self._start
        elapsed = time.monotonic() - t0
        return (busy_ticks() - ticks0) / _TICKS_PER_S / elapsed * 100 if elapsed > 0 else 0.0
