"""CPU use per process kind, read from /proc, so benchmarks report what each role costs.

A kind's share counts the process, its live descendants and its reaped children (cutime,
cstime), over wall time; 100 % is one fully busy core.
"""
from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

_TICKS_PER_S = os.sysconf('SC_CLK_TCK')


def _stat_fields(pid: int) -> list[str] | None:
    """Fields of /proc/<pid>/stat after the command name (which may contain spaces)."""
    try:
        text = Path(f'/proc/{pid}/stat').read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return text[text.rindex(')') + 2:].split()


def _children_map() -> dict[int, list[int]]:
    """Parent pid -> child pids for every process visible now."""
    children: dict[int, list[int]] = {}
    for entry in Path('/proc').iterdir():
        if not entry.name.isdigit():
            continue
        fields = _stat_fields(int(entry.name))
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def tree_ticks(pid: int, children: Mapping[int, Sequence[int]] | None = None) -> int:
    """utime+stime+cutime+cstime of pid and all its live descendants, in clock ticks."""
    children = _children_map() if children is None else children
    total, stack, seen = 0, [pid], set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        fields = _stat_fields(current)
        if fields is None:
            continue
        total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
        stack.extend(children.get(current, ()))
    return total


class CpuSampler:
    """Measure CPU percent per kind from start() to the last sample() taken while alive.

    Exited processes vanish from /proc, so callers sample() periodically while the processes
    run; a kind's reading stops advancing once its processes are gone.
    """

    def __init__(self, groups: Mapping[str, Sequence[int]]) -> None:
        """Remember the pids of each process kind (e.g. 'publisher')."""
        self.groups = {kind: list(pids) for kind, pids in groups.items()}
        self._first: dict[str, tuple[float, int]] = {}
        self._last: dict[str, tuple[float, int]] = {}

    def sample(self) -> None:
        """Read the tick counters of every kind whose processes are all still alive."""
        children = _children_map()
        now = time.monotonic()
        for kind, pids in self.groups.items():
            if all(_stat_fields(pid) is not None for pid in pids):
                self._last[kind] = (now, sum(tree_ticks(pid, children) for pid in pids))

    def start(self) -> None:
        """Take the first reading."""
        self.sample()
        self._first = dict(self._last)

    def stop(self) -> dict[str, float]:
        """CPU percent per kind between the first and the last reading."""
        self.sample()
        result = {}
        for kind in self.groups:
            (t0, ticks0), (t1, ticks1) = self._first.get(kind, (0.0, 0)), \
                self._last.get(kind, (0.0, 0))
            result[kind] = (ticks1 - ticks0) / _TICKS_PER_S / (t1 - t0) * 100 if t1 > t0 else 0.0
        return result
