"""What the demo's monitor keeps in memory per second of sets and one-second lines.

The demo process runs the truth monitor for as long as the demo runs, so memory that it keeps
per set or per line is how it would grow in a long run (the soak in docs/benchmarks.md). The
monitor's own callbacks and the demo's line are fed as DDS would feed them, under tracemalloc:
real SyncedFrameSet messages with JPEG timecode frames, two clients of two cameras at 30 Hz.
Two equal spans are fed one after the other: what the first keeps includes one-off
allocations (caches, the first scores), what the second adds is growth per second.

    ROS_DOMAIN_ID=199 python -m compound_eyes_rig.bench.monitor_memory [--seconds 60]
"""
from __future__ import annotations

import argparse
import resource

import cv2
import numpy as np
from compound_eyes_msgs.msg import CameraFrame, ClientSyncStatus, SyncedFrameSet, SyncStatus

from compound_eyes.camera.timecode import encode_into
from compound_eyes.interfaces.schema import LockState, Payload
from compound_eyes.interfaces.stamps import time_from_ns
from compound_eyes.signals import run_interruptible
from compound_eyes_rig.bench.recorder_memory import FIRST_TICK, PERIOD_NS, kept_bytes_in_turn

CLIENTS = ('client_a', 'client_b')
CAMERAS = ('cam0', 'cam1')
TICKS_PER_S = round(1e9 / PERIOD_NS)
WIDTH, HEIGHT = 320, 240


def _frame(channel: str, true_ns: int) -> CameraFrame:
    """Return a JPEG frame whose pixels carry true_ns and whose stamp says true_ns."""
    image = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    encode_into(image, true_ns)
    frame = CameraFrame(channel_id=channel, capture_stamp=time_from_ns(true_ns),
                        payload=Payload.COMPRESSED)
    frame.compressed_image.format = 'jpeg'
    frame.compressed_image.data = cv2.imencode('.jpg', image)[1].tobytes()
    return frame


def _set(client: str, tick: int, scored: bool) -> SyncedFrameSet:
    """Return one client's set of a tick; only scored ticks carry pixels (the rest are skipped)."""
    offset_ns = 1_000_000 * CLIENTS.index(client)
    frames = [_frame(channel, tick * PERIOD_NS + offset_ns + 10_000 * i)
              for i, channel in enumerate(CAMERAS)] if scored else []
    return SyncedFrameSet(client_id=client, tick=tick, tick_period_ns=PERIOD_NS, frames=frames)


def _status() -> SyncStatus:
    return SyncStatus(clients=[ClientSyncStatus(client_id=client, lock_state=LockState.LOCKED)
                               for client in CLIENTS])


def run_seconds(monitor, seconds: int, first_tick: int) -> list[str]:
    """Feed the monitor seconds of the demo's sets and statuses; return the one-second lines."""
    from compound_eyes_rig.demo.rig import status_line

    lines = []
    for second in range(seconds):
        monitor._on_status(_status())
        for tick in range(first_tick + second * TICKS_PER_S,
                          first_tick + (second + 1) * TICKS_PER_S):
            for client in CLIENTS:
                monitor._on_set(client, _set(client, tick, tick % monitor.sample_every == 0))
        lines.append(status_line(float(second), monitor, 1.0))
    return lines


def kept_per_span(seconds: int) -> tuple[int, int]:
    """Feed two spans of seconds each; return bytes held after the first, added by the second."""
    import rclpy

    from compound_eyes.nodes.lifecycle import init_ros
    from compound_eyes_rig.truth.monitor_node import TruthMonitor

    init_ros()
    monitor = TruthMonitor(CLIENTS)
    try:
        first, second = kept_bytes_in_turn([
            lambda: run_seconds(monitor, seconds, FIRST_TICK),
            lambda: run_seconds(monitor, seconds, FIRST_TICK + seconds * TICKS_PER_S)])
    finally:
        monitor.destroy_node()
        rclpy.try_shutdown()
    return first, second


def main(argv: list[str] | None = None) -> int:
    """Print the bytes the monitor keeps per second of the demo."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seconds', type=int, default=60,
                        help='seconds of the demo in each of the two spans (default 60)')
    args = parser.parse_args(argv)

    def measure() -> None:
        first, second = kept_per_span(args.seconds)
        sets = args.seconds * TICKS_PER_S * len(CLIENTS)
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(f'truth monitor, {args.seconds} s ({sets} sets, {args.seconds} lines) twice: '
              f'the first span keeps {first / 1e3:.1f} kB, the second adds {second} bytes '
              f'({second / args.seconds:.0f} bytes per second); peak RSS {peak_kb / 1e3:.0f} MB',
              flush=True)

    run_interruptible('monitor memory', measure)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
