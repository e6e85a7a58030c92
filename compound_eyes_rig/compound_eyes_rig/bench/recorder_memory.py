"""What the recorder keeps in memory per counted set and per durable point, by tracemalloc.

Both stay for the whole recording, so they are how its memory grows with its length (the
soak in docs/benchmarks.md). No DDS: the recorder's own classes are fed as it feeds them.

    python -m compound_eyes_rig.bench.recorder_memory [--sets 7200] [--chunks 120]
"""
from __future__ import annotations

import argparse
import tempfile
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace

from compound_eyes.record.bag_writer import SplitBagWriter
from compound_eyes.record.set_counter import SetCounter
from compound_eyes.record.types import typestore
from compound_eyes.signals import run_interruptible

PERIOD_NS = 33_333_333          # 30 Hz, the demo's rate
FIRST_TICK = 53_000_000_000     # a tick of 2026
STREAMS = [(f'/{client}/{topic}', client) for client in ('client_a', 'client_b')
           for topic in ('synced_frames', 'synced_frames/timing')]
STRING_TYPE = 'std_msgs/msg/String'


def kept_bytes_in_turn(works: Sequence[Callable[[], object]]) -> list[int]:
    """Run works one after the other under one trace; return what each left held.

    Each count is the traced memory after that work minus before it, so memory an earlier
    work kept and a later one freed counts against the later one.
    """
    tracemalloc.start()
    try:
        kept = []
        for work in works:
            before = tracemalloc.get_traced_memory()[0]
            work()
            kept.append(tracemalloc.get_traced_memory()[0] - before)
        return kept
    finally:
        tracemalloc.stop()


def kept_bytes(work: Callable[[], object]) -> int:
    """Return the bytes that Python allocations made by work still hold afterwards."""
    return kept_bytes_in_turn([work])[0]


def _set(client: str, tick: int) -> SimpleNamespace:
    """Return the fields of a decoded set that the counter reads."""
    sec, nanosec = divmod(tick * PERIOD_NS, 1_000_000_000)
    return SimpleNamespace(client_id=client, tick=tick, tick_period_ns=PERIOD_NS,
                           header=SimpleNamespace(stamp=SimpleNamespace(sec=sec,
                                                                        nanosec=nanosec)))


def bytes_per_set(count: int) -> float:
    """Count count sets spread over the demo's four streams; return bytes kept per set."""
    counter = SetCounter()
    sets = [(STREAMS[i % len(STREAMS)][0],
             _set(STREAMS[i % len(STREAMS)][1], FIRST_TICK + i // len(STREAMS)))
            for i in range(count)]
    return kept_bytes(lambda: [counter.add(topic, msg) for topic, msg in sets]) / count


def bytes_per_durable_point(chunks: int) -> float:
    """Write chunks durable points of one message each; return the bytes kept per point."""
    data = bytes(typestore().serialize_cdr(typestore().types[STRING_TYPE](data='x'),
                                           STRING_TYPE))
    with tempfile.TemporaryDirectory() as tmp:
        with SplitBagWriter(Path(tmp) / 'bag', durable_period_s=0) as writer:
            writer.add_topic('/t', STRING_TYPE)
            writer.write('/t', 0, data)     # the first chunk also opens the channel
            kept = kept_bytes(lambda: [writer.write('/t', i, data) for i in range(chunks)])
    return kept / chunks


def main(argv: list[str] | None = None) -> int:
    """Print the bytes kept per set and per durable point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sets', type=int, default=7200, help='sets to count (7200: a '
                        'minute of the demo: 2 clients x 2 set topics x 30 Hz)')
    parser.add_argument('--chunks', type=int, default=120,
                        help='durable points to write (120: a minute at 0.5 s)')
    args = parser.parse_args(argv)

    def measure() -> None:
        per_set = bytes_per_set(args.sets)
        per_chunk = bytes_per_durable_point(args.chunks)
        print(f'set counter: {per_set:.0f} bytes per set ({per_set * args.sets / 1e6:.2f} MB '
              f'for {args.sets}); MCAP index: {per_chunk:.0f} bytes per durable point '
              f'({per_chunk * args.chunks / 1e3:.1f} kB for {args.chunks})', flush=True)

    run_interruptible('recorder memory', measure)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
