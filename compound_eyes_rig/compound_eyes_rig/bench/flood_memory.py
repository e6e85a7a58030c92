"""Where a subscriber's memory goes under hostile floods: the recorder or an idle subscriber.

A child process (the recorder, or raw subscriptions that do nothing per message) samples
itself every SAMPLE_S: resident set, the main heap (/proc/self/smaps), the memory glibc's
malloc has handed out (mallinfo2) and, with --tracemalloc, what Python objects hold. The
parent floods the five topics of the system test with compound_eyes_rig.hostile_traffic
and prints how much each figure grew per flood (docs/recording.md).

    ROS_DOMAIN_ID=77 python -m compound_eyes_rig.bench.flood_memory --subscriber idle --depth 5
"""
from __future__ import annotations

import argparse
import ctypes
import json
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

from compound_eyes.interfaces.schema import (
    CLOCK_STATUS_TYPE,
    FRAME_SET_TIMING_TYPE,
    PHASE_DELAY_TYPE,
    SYNC_STATUS_TYPE,
    SYNCED_FRAME_SET_TYPE,
)
from compound_eyes.signals import StopSignals, run_interruptible
from compound_eyes_rig.processes import ProcessSet

SAMPLE_S = 2.0
SETTLE_S = 8.0          # the child subscribes before the first flood
TOPICS = {'/c0/synced_frames': SYNCED_FRAME_SET_TYPE,
          '/c0/synced_frames/timing': FRAME_SET_TIMING_TYPE,
          '/c0/phase_delay': PHASE_DELAY_TYPE, '/sync_status': SYNC_STATUS_TYPE,
          '/c1/clock_status': CLOCK_STATUS_TYPE}


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        'arena', 'ordblks', 'smblks', 'hblks', 'hblkhd', 'usmblks', 'fsmblks', 'uordblks',
        'fordblks', 'keepcost')]


def sample() -> dict[str, float]:
    """Return this process's memory figures in MB."""
    libc = ctypes.CDLL('libc.so.6')
    libc.mallinfo2.restype = _MallInfo2
    info = libc.mallinfo2()
    figures = {'malloc_in_use': (info.uordblks + info.hblkhd) / 2**20, 'heap': 0.0}
    mapping = ''
    for line in Path('/proc/self/smaps').read_text().splitlines():
        fields = line.split()
        if '-' in fields[0] and len(fields) >= 5:
            mapping = fields[5] if len(fields) > 5 else ''
        elif fields[0] == 'Rss:' and mapping == '[heap]':
            figures['heap'] += int(fields[1]) / 1024
    status = Path('/proc/self/status').read_text()
    figures['rss'] = int(status.split('VmRSS:')[1].split()[0]) / 1024
    if tracemalloc.is_tracing():
        figures['python'] = tracemalloc.get_traced_memory()[0] / 2**20
    return figures


def _sample_into(path: Path) -> None:
    while True:
        with path.open('a') as out:
            out.write(json.dumps(sample()) + '\n')
        time.sleep(SAMPLE_S)


def _idle_subscriber(depth: int) -> None:
    """Subscribe raw to every flooded topic and drop what arrives, until SIGINT/SIGTERM."""
    import rclpy
    from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy

    from compound_eyes.nodes.lifecycle import init_ros, spin_until_stopped
    from compound_eyes_rig.hostile_traffic import message_class

    with StopSignals() as stop:
        init_ros()
        node = rclpy.create_node('compound_eyes_idle_subscriber')
        qos = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=depth,
                         reliability=ReliabilityPolicy.BEST_AVAILABLE)
        for topic, type_name in TOPICS.items():
            node.create_subscription(message_class(type_name), topic, lambda _: None, qos,
                                     raw=True)
        try:
            spin_until_stopped(node, stop)
        finally:
            node.destroy_node()
            rclpy.try_shutdown()


def child(args: argparse.Namespace) -> int:
    """Run the subscriber with a sampling thread writing to args.samples."""
    from compound_eyes.nodes.dds_profile import use_large_frame_profile

    if args.tracemalloc:
        tracemalloc.start()
    threading.Thread(target=_sample_into, args=(args.samples,), daemon=True).start()
    if args.subscriber == 'idle':
        use_large_frame_profile()
        _idle_subscriber(args.depth)
        return 0
    from compound_eyes.nodes.recorder_node import main as recorder_main

    return recorder_main([str(args.samples.with_suffix('.bag')), '--status',
                          '--depth', str(args.depth)])


def _last_sample(path: Path) -> dict[str, float]:
    return json.loads(path.read_text().splitlines()[-1])


def measure(args: argparse.Namespace) -> list[dict[str, float]]:
    """Start the child, flood it args.floods times; return the figures' growth per flood."""
    with tempfile.TemporaryDirectory() as tmp, ProcessSet() as processes:
        samples = Path(tmp) / 'samples.jsonl'
        command = [sys.executable, '-m', 'compound_eyes_rig.bench.flood_memory', '--child',
                   '--samples', str(samples), '--subscriber', args.subscriber,
                   '--depth', str(args.depth)]
        processes.start('subscriber', command + (['--tracemalloc'] if args.tracemalloc
                                                  else []), Path(tmp) / 'subscriber.log')
        time.sleep(SETTLE_S)
        marks = [_last_sample(samples)]
        for _ in range(args.floods):
            subprocess.run([sys.executable, '-m', 'compound_eyes_rig.hostile_traffic',
                            '--count', str(args.count), '--rate', str(args.rate),
                            *(f'{t}={m}' for t, m in TOPICS.items())],
                           check=True, stdout=subprocess.DEVNULL)
            time.sleep(2 * SAMPLE_S)         # a sample taken after the flood's last message
            marks.append(_last_sample(samples))
    return [{key: round(after[key] - before[key], 1) for key in after}
            for before, after in zip(marks, marks[1:], strict=False)]


def main(argv: list[str] | None = None) -> int:
    """Print the growth of each memory figure per flood, then the same as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--subscriber', choices=('recorder', 'idle'), default='recorder',
                        help='the recorder node, or raw subscriptions that drop every message')
    parser.add_argument('--depth', type=int, default=50,
                        help='history depth of the subscriptions')
    parser.add_argument('--floods', type=int, default=2, help='floods, one after the other')
    parser.add_argument('--count', type=int, default=10_000, help='messages per topic')
    parser.add_argument('--rate', type=float, default=400.0, help='messages/s per topic')
    parser.add_argument('--tracemalloc', action='store_true',
                        help='also trace Python allocations (slows the subscriber)')
    parser.add_argument('--child', action='store_true', help=argparse.SUPPRESS)
    parser.add_argument('--samples', type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return child(args)
    growth = run_interruptible('flood memory', lambda: measure(args))
    for index, figures in enumerate(growth, 1):
        print(f'flood {index}: ' + ', '.join(f'{k} {v:+.1f} MB' for k, v in figures.items()))
    print(json.dumps(growth), flush=True)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
