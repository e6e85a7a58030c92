"""The machine's wake-spread floor: how far apart processes wake for the same tick, no cameras.

K processes run the capture workers' own rendezvous and absolute-schedule sleep and record
when they woke for each of T ticks; the per-tick max - min is the floor any camera spread
sits on. Processes may run under command prefixes such as `ip netns exec NS`, so simulated
hosts are measured the way they capture. Shared memory crosses network namespaces (they do
not separate /dev/shm), so results come back through it; the parent owns every segment.

Run as `python -m compound_eyes_rig.bench.wake_floor ...` it is one of those processes.
"""
from __future__ import annotations

import argparse
import struct
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing import shared_memory

from compound_eyes.capture.priority import CapturePriority
from compound_eyes.capture.rendezvous import TickRendezvous
from compound_eyes.capture.schedule import TickSchedule, sleep_until
from compound_eyes.capture.shm_ring import attach_segment, new_segment_name, release_segment
from compound_eyes.capture.worker import RENDEZVOUS_MARGIN_NS
from compound_eyes.clock.synced import SyncedClock
from compound_eyes.signals import run_interruptible

_CELL = struct.Struct('q')
START_LEAD_S = 0.3   # first tick this far after every process reported ready
MISSED = 0           # wake time recorded for a tick a process could not reach


@dataclass(frozen=True)
class WakeSpread:
    """Per-tick max - min wake time over ticks every process reached, and how many it missed."""

    spread_ns: list[int]
    missed_ticks: int
    period_ns: int


class _Board:
    """Shared cells: [start_tick, ready flag per process, wake time per tick and process]."""

    def __init__(self, segment: shared_memory.SharedMemory, processes: int) -> None:
        self.segment = segment
        self.processes = processes

    def get(self, index: int) -> int:
        return _CELL.unpack_from(self.segment.buf, index * _CELL.size)[0]

    def put(self, index: int, value: int) -> None:
        _CELL.pack_into(self.segment.buf, index * _CELL.size, value)

    def wake_index(self, tick_index: int, party: int) -> int:
        return 1 + self.processes + tick_index * self.processes + party


def measure_wake_spread(processes: int = 4, fps: float = 30.0, ticks: int = 60,
                        prefixes: Sequence[Sequence[str]] | None = None,
                        netns: Sequence[str] | None = None,
                        start_timeout_s: float = 30.0,
                        realtime_priority: int = 0) -> WakeSpread:
    """Wake `processes` processes at `ticks` common instants at `fps` and measure the spread.

    prefixes gives a command prefix per process; netns is shorthand for
    `ip netns exec NAME` per process. Both must list exactly `processes` entries.
    realtime_priority > 0 holds SCHED_FIFO around each sleep, as capture workers do.
    """
    schedule = TickSchedule(fps)
    commands = _prefixes(processes, prefixes, netns)
    if ticks < 1:
        raise ValueError(f'ticks must be at least 1, got {ticks!r}')
    rendezvous = TickRendezvous.create(processes)
    segment = shared_memory.SharedMemory(name=new_segment_name('floor'), create=True,
                                         size=_CELL.size * (1 + processes * (1 + ticks)))
    board = _Board(segment, processes)
    children: list[subprocess.Popen] = []
    try:
        for party, prefix in enumerate(commands):
            children.append(subprocess.Popen([
                *prefix, sys.executable, '-m', 'compound_eyes_rig.bench.wake_floor',
                '--party', str(party), '--parties', str(processes), '--fps', str(fps),
                '--ticks', str(ticks), '--rendezvous', rendezvous.name,
                '--board', segment.name, '--realtime-priority', str(realtime_priority)]))
        _await_ready(board, children, start_timeout_s)
        start = schedule.next_tick(SyncedClock().now_ns() + int(START_LEAD_S * 1e9))
        board.put(0, start)
        for child in children:
            child.wait(timeout=START_LEAD_S + ticks / fps + start_timeout_s)
        return _spreads(board, ticks, schedule.period_ns)
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
        rendezvous.close()
        release_segment(segment, owner=True)


def _prefixes(processes: int, prefixes: Sequence[Sequence[str]] | None,
              netns: Sequence[str] | None) -> list[list[str]]:
    """Return one command prefix per process, checking the counts."""
    if processes < 1:
        raise ValueError(f'processes must be at least 1, got {processes!r}')
    if prefixes is not None and netns is not None:
        raise ValueError('give either prefixes or netns, not both')
    if netns is not None:
        prefixes = [['ip', 'netns', 'exec', name] for name in netns]
    if prefixes is None:
        return [[] for _ in range(processes)]
    if len(prefixes) != processes:
        raise ValueError(f'prefixes/netns must list {processes} entries, got {len(prefixes)}')
    return [list(prefix) for prefix in prefixes]


def _await_ready(board: _Board, children: list[subprocess.Popen], timeout_s: float) -> None:
    """Wait until every process has attached, failing early when one exits."""
    deadline = time.monotonic() + timeout_s
    while not all(board.get(1 + party) for party in range(board.processes)):
        for party, child in enumerate(children):
            if child.poll() is not None:
                raise RuntimeError(f'floor process {party} exited with code {child.returncode} '
                                   f'before it was ready')
        if time.monotonic() > deadline:
            raise TimeoutError(f'floor processes not ready within {timeout_s} s')
        time.sleep(0.01)


def _spreads(board: _Board, ticks: int, period_ns: int) -> WakeSpread:
    """Reduce the recorded wake times to per-tick spreads."""
    spreads, missed = [], 0
    for index in range(ticks):
        wakes = [board.get(board.wake_index(index, p)) for p in range(board.processes)]
        if MISSED in wakes:
            missed += 1
        else:
            spreads.append(max(wakes) - min(wakes))
    return WakeSpread(spreads, missed, period_ns)


def run_party(party: int, parties: int, fps: float, ticks: int, rendezvous_name: str,
              board_name: str, realtime_priority: int = 0) -> None:
    """One floor process: rendezvous and sleep exactly like a capture worker, record wakes."""
    schedule, clock = TickSchedule(fps), SyncedClock()
    priority = CapturePriority(realtime_priority)
    rendezvous = TickRendezvous.attach(rendezvous_name, parties, tracked=False)
    board = _Board(attach_segment(board_name, tracked=False), parties)
    try:
        board.put(1 + party, 1)
        while not board.get(0):
            time.sleep(0.001)
        start = board.get(0)
        for index in range(ticks):
            scheduled = schedule.scheduled_ns(start + index)
            if clock.now_ns() >= scheduled:
                continue  # behind: this tick is missed, as a capture worker would skip it
            rendezvous.wait(party, start + index, clock, scheduled - RENDEZVOUS_MARGIN_NS)
            priority.enter()
            try:
                woke = sleep_until(clock, scheduled)
            finally:
                priority.leave()
            board.put(board.wake_index(index, party), woke)
    finally:
        rendezvous.close()
        board.segment.close()


def main(argv: list[str] | None = None) -> None:
    """Entry point of a floor process started by measure_wake_spread."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--party', type=int, required=True)
    parser.add_argument('--parties', type=int, required=True)
    parser.add_argument('--fps', type=float, required=True)
    parser.add_argument('--ticks', type=int, required=True)
    parser.add_argument('--rendezvous', required=True)
    parser.add_argument('--board', required=True)
    parser.add_argument('--realtime-priority', type=int, default=0)
    args = parser.parse_args(argv)
    run_interruptible(f'wake floor party {args.party}', lambda: run_party(
        args.party, args.parties, args.fps, args.ticks, args.rendezvous, args.board,
        args.realtime_priority))


if __name__ == '__main__':
    main()
