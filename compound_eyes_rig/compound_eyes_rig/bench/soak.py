"""Soak: the demo rig for a long run, every process's memory and open files sampled.

Leaks show as growth after start-up: each process's resident memory and open file
descriptors are sampled every interval from /proc, and growth is measured from the first
sample after the warm-up to the last. Afterwards the bag says whether every set arrived and
whether any client ever lost its lock once it had it.

    python -m compound_eyes_rig.bench.soak --duration 1800 --json soak.json   (make soak)
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from compound_eyes.interfaces.schema import LockState
from compound_eyes.signals import run_interruptible
from compound_eyes_rig.processes import cli_command


@dataclass
class ProcessSeries:
    """Samples of one process: (seconds since start, resident kB, open descriptors)."""

    command: str
    samples: list[tuple[float, int, int]] = field(default_factory=list)

    def growth(self, warmup_s: float) -> dict[str, int] | None:
        """Return RSS and fd growth from the first sample after warm-up to the last."""
        steady = [s for s in self.samples if s[0] >= warmup_s]
        if len(steady) < 2:
            return None
        (_, rss0, fd0), (_, rss1, fd1) = steady[0], steady[-1]
        return {'rss_kb': rss1 - rss0, 'fds': fd1 - fd0, 'rss_kb_end': rss1,
                'samples': len(steady)}


def descendants(root: int) -> dict[int, str]:
    """Return pid -> command line of root and every process below it.

    The demo's children start sessions of their own, so the tree, not the session, says what
    belongs to the rig.
    """
    parents, commands = {}, {}
    for entry in Path('/proc').iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / 'stat').read_text()
            # field 4 (parent pid) counts after the command name, which is in parentheses
            parents[int(entry.name)] = int(stat[stat.rindex(')') + 2:].split()[1])
            commands[int(entry.name)] = (entry / 'cmdline').read_bytes().replace(
                b'\0', b' ').decode(errors='replace').strip()
        except (OSError, ValueError):
            continue   # it exited while we looked
    members, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent]
        members.update(children)
        frontier.extend(children)
    return {pid: commands[pid] for pid in members if pid in commands}


def sample(pid: int) -> tuple[int, int] | None:
    """Return (resident kB, open descriptors) of pid, None if it is gone."""
    try:
        status = (Path('/proc') / str(pid) / 'status').read_text()
        fds = len(os.listdir(f'/proc/{pid}/fd'))
    except OSError:
        return None
    rss = next((int(line.split()[1]) for line in status.splitlines()
                if line.startswith('VmRSS:')), None)
    return None if rss is None else (rss, fds)   # no VmRSS: it exited (a zombie)


def bag_verdict(bag: Path) -> dict:
    """Delivered fraction per client and lock losses after the first lock, from the bag."""
    from compound_eyes.record.bag_reader import BagDamagedError, read_messages
    from compound_eyes.report.bag_stats import BagStats

    stats = BagStats()
    damage = ''
    try:
        for message in read_messages(bag, lambda _topic, _msgtype: True):
            stats.add(message)
    except BagDamagedError as error:   # judge what was read; the samples are kept either way
        damage = str(error)
    delivered = {client: len(ticks) / (max(ticks) - min(ticks) + 1)
                 for client, ticks in stats.sets.items()}
    losses = {}
    for client, series in stats.lock_states.items():
        states = [state for _, state in sorted(series)]
        first = states.index(LockState.LOCKED) if LockState.LOCKED in states else len(states)
        losses[client] = sum(1 for state in states[first:] if state != LockState.LOCKED)
    return {'delivered_fraction': delivered, 'status_samples_not_locked_after_lock': losses,
            'damage': damage}


def run(duration_s: float, interval_s: float, warmup_s: float, out: Path) -> dict:
    """Run the demo for duration_s, sampling every interval_s; return the result document."""
    demo = subprocess.Popen(
        cli_command('demo', '--duration', str(duration_s), '--out', str(out / 'demo')),
        stdout=(out / 'demo.log').open('wb'), stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, start_new_session=True)
    series: dict[int, ProcessSeries] = {}
    started = time.monotonic()
    load_before = os.getloadavg()
    try:
        while demo.poll() is None:
            elapsed = time.monotonic() - started
            for pid, command in descendants(demo.pid).items():
                reading = sample(pid)
                if reading is not None:
                    series.setdefault(pid, ProcessSeries(command)).samples.append(
                        (elapsed, *reading))
            time.sleep(max(0.0, interval_s - (time.monotonic() - started - elapsed)))
    finally:
        if demo.poll() is None:
            os.killpg(demo.pid, signal.SIGINT)
            demo.wait(timeout=60)
    growth = {f'{pid} {s.command[:120]}': s.growth(warmup_s) for pid, s in series.items()}
    bag = out / 'demo' / 'bag'
    return {
        'duration_s': duration_s, 'interval_s': interval_s, 'warmup_s': warmup_s,
        'demo_exit_code': demo.returncode,
        'processes_sampled': len(series),
        'growth_after_warmup': {name: g for name, g in growth.items() if g is not None},
        'bag': bag_verdict(bag) if bag.exists() else None,
        'loadavg_1_5_15': {'before': load_before, 'after': os.getloadavg()},
        'cpus': os.cpu_count(),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the soak and write/print its JSON document."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--duration', type=float, default=1800.0, metavar='S')
    parser.add_argument('--interval', type=float, default=60.0, metavar='S',
                        help='seconds between samples (default 60)')
    parser.add_argument('--warmup', type=float, default=120.0, metavar='S',
                        help='growth is measured from the first sample after this (default 120)')
    parser.add_argument('--out', type=Path, default=Path('bench-results/soak'))
    parser.add_argument('--json', type=Path, metavar='OUT.json')
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=False)
    result = run_interruptible('soak', lambda: run(args.duration, args.interval, args.warmup,
                                                  args.out))
    text = json.dumps(result, indent=2)
    if args.json:
        args.json.write_text(text + '\n')
    print(text)
    return 0 if result['demo_exit_code'] == 0 else 1


if __name__ == '__main__':
    raise SystemExit(main())
