"""Soak: the demo rig for a long run, every process's memory and open files sampled.

Leaks show as growth after start-up: each process's resident memory and open file
descriptors are sampled every interval from /proc, and growth is measured from the first
sample after the warm-up to the last one taken while the rig still ran (the demo's duration
counts from the end of its start-up, so every sample before `duration` is inside the run).
Samples after it see the demo stopping its children and building the report from the whole
bag: that memory is reported apart, as the demo's finishing peak. Afterwards the bag says
whether every set arrived and when a client lost its lock once it had it.

Unless ROS_DOMAIN_ID is set, the demo runs in one drawn from demo.rig.DEMO_DOMAIN_IDS, which
no test or other benchmark uses; the result names it.

    python -m compound_eyes_rig.bench.soak --duration 1800 --json soak.json   (make soak)
"""
from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from compound_eyes.interfaces.schema import LockState
from compound_eyes.signals import run_interruptible
from compound_eyes_rig.demo.rig import DEMO_DOMAIN_IDS
from compound_eyes_rig.processes import cli_command


@dataclass
class ProcessSeries:
    """Samples of one process: (seconds since start, resident kB, open descriptors)."""

    command: str
    samples: list[tuple[float, int, int]] = field(default_factory=list)

    def growth(self, warmup_s: float, until_s: float) -> dict[str, int] | None:
        """Return RSS and fd growth from the first to the last sample in [warmup_s, until_s)."""
        steady = [s for s in self.samples if warmup_s <= s[0] < until_s]
        if len(steady) < 2:
            return None
        (_, rss0, fd0), (_, rss1, fd1) = steady[0], steady[-1]
        return {'rss_kb': rss1 - rss0, 'fds': fd1 - fd0, 'rss_kb_end': rss1,
                'samples': len(steady)}

    def peak_after(self, from_s: float) -> int | None:
        """Return the highest resident kB sampled from from_s on (None without such a sample)."""
        return max((rss for t, rss, _ in self.samples if t >= from_s), default=None)


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
    last_set = last_capture_ns(stats)
    losses = {client: lock_losses(series, last_set.get(client))
              for client, series in stats.lock_states.items()}
    return {'delivered_fraction': delivered,
            'status_samples_not_locked_after_lock': {
                client: sum(loss['samples'] for loss in episodes)
                for client, episodes in losses.items()},
            'lock_losses': losses, 'damage': damage}


def last_capture_ns(stats: object) -> dict[str, int]:
    """Return each client's latest capture stamp in the bag (BagStats): it was stopped then."""
    last = {}
    for client, ticks in stats.sets.items():
        stamps = [ns for name, ns in stats.stamps.get(max(ticks), {}).items()
                  if name.startswith(f'{client}/')]
        if stamps:
            last[client] = max(stamps)
    return last


def lock_losses(series: list[tuple[int, int]],
                until_ns: int | None = None) -> list[dict[str, float | int]]:
    """Return each time a client left LOCKED after its first lock, from (stamp ns, state).

    One loss runs from the first status sample not LOCKED to the last before LOCKED came back
    (or the end); its times are seconds since the first sample, as the demo's lines count.
    Samples after until_ns (the client's last set) are left out: the demo stops the clients
    before the recorder, so the bag ends with the server seeing them go.
    """
    ordered = sorted(series)
    origin = ordered[0][0] if ordered else 0
    ordered = [(stamp, state) for stamp, state in ordered
               if until_ns is None or stamp <= until_ns]
    losses: list[dict[str, float | int]] = []
    locked_once = in_loss = False
    for stamp, state in ordered:
        t = round((stamp - origin) / 1e9, 1)
        if state == LockState.LOCKED:
            locked_once, in_loss = True, False
        elif locked_once and in_loss:
            losses[-1].update(end_s=t, samples=losses[-1]['samples'] + 1)
        elif locked_once:
            in_loss = True
            losses.append({'start_s': t, 'end_s': t, 'samples': 1})
    return losses


def run(duration_s: float, interval_s: float, warmup_s: float, out: Path) -> dict:
    """Run the demo for duration_s, sampling every interval_s; return the result document."""
    env = dict(os.environ)
    env.setdefault('ROS_DOMAIN_ID', str(random.choice(DEMO_DOMAIN_IDS)))
    demo = subprocess.Popen(
        cli_command('demo', '--duration', str(duration_s), '--out', str(out / 'demo')),
        env=env, stdout=(out / 'demo.log').open('wb'), stderr=subprocess.STDOUT,
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
    names = {pid: f'{pid} {s.command[:120]}' for pid, s in series.items()}
    growth = {names[pid]: s.growth(warmup_s, duration_s) for pid, s in series.items()}
    bag = out / 'demo' / 'bag'
    return {
        'duration_s': duration_s, 'interval_s': interval_s, 'warmup_s': warmup_s,
        'ros_domain_id': int(env['ROS_DOMAIN_ID']),
        'demo_exit_code': demo.returncode,
        'processes_sampled': len(series),
        'growth_after_warmup': {name: g for name, g in growth.items() if g is not None},
        'samples_s_rss_kb_fds': {names[pid]: s.samples for pid, s in series.items()},
        'demo_finishing_peak_rss_kb': series[demo.pid].peak_after(duration_s)
        if demo.pid in series else None,
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
