"""The subscriber of the client benchmark's sustained-load runs, in its own process.

It counts a client's sets on the image topic over a window (gaps in the tick sequence,
incomplete sets, arrival latency), decodes the timecodes of every Nth tick with the demo's
TruthMonitor, and writes a JSON report when the window is over. It prints "first set" as
soon as anything arrived, so the orchestrator can align its CPU sampling with the window.

    python -m compound_eyes_rig.bench.client_bench_counter --client bench_client \
        --warmup 3 --duration 60 --truth-every 15 --out counts.json
"""
from __future__ import annotations

import argparse
import json
import os
import time

import rclpy
from compound_eyes_msgs.msg import FrameSetTiming, SyncedFrameSet

from compound_eyes.interfaces import schema
from compound_eyes.interfaces.stamps import ns_from_time
from compound_eyes.nodes.dds_profile import use_large_frame_profile
from compound_eyes.nodes.lifecycle import SPIN_S, init_ros
from compound_eyes.nodes.qos import TIMING_QOS
from compound_eyes.record.set_counter import StreamCount
from compound_eyes.signals import StopSignals
from compound_eyes_rig.bench.peers.common import ReceiveCounter
from compound_eyes_rig.bench.stats import summarize_us
from compound_eyes_rig.truth.monitor_node import TruthMonitor


class WindowCounter(TruthMonitor):
    """A TruthMonitor that also counts every set received within its window.

    The timing topic is counted too: a tick it has but the image topic lacks was lost in
    transport of the images, not in capture.
    """

    def __init__(self, client: str, cameras: int, warmup_s: float, duration_s: float,
                 truth_every: int) -> None:
        super().__init__([client], sample_every=truth_every)
        self.timing = StreamCount()
        self.create_subscription(FrameSetTiming, f'/{client}/{schema.SYNCED_FRAMES_TIMING}',
                                 self._on_timing, TIMING_QOS)
        self.cameras = cameras
        self.warmup_s = warmup_s
        self.duration_s = duration_s
        self.window: tuple[float, float] | None = None
        self.stream = StreamCount()
        self.incomplete = 0
        self.missing_frames = 0
        self.arrivals = ReceiveCounter(idle_s=float('inf'), timeout_s=float('inf'))

    def done(self) -> bool:
        """Tell whether the counting window has passed."""
        return self.window is not None and time.monotonic() >= self.window[1]

    def _in_window(self) -> bool:
        """Tell whether now is inside the window, which opens warmup_s after the first set."""
        now = time.monotonic()
        if self.window is None:
            start = now + self.warmup_s
            self.window = (start, start + self.duration_s)
            print('first set', flush=True)
        return self.window[0] <= now < self.window[1]

    def _on_timing(self, msg: FrameSetTiming) -> None:
        if self._in_window():
            self.timing.received += 1
            self.timing.ticks.add(msg.tick)

    def _on_set(self, client: str, msg: SyncedFrameSet) -> None:
        if not self._in_window():
            return
        self.stream.received += 1
        self.stream.ticks.add(msg.tick)
        self.incomplete += len(msg.frames) < self.cameras
        self.missing_frames += self.cameras - len(msg.frames)
        payload = sum(len(f.image.data) + len(f.compressed_image.data) for f in msg.frames)
        newest = max((ns_from_time(f.capture_stamp) for f in msg.frames), default=time.time_ns())
        self.arrivals.add(payload, payload, newest)
        super()._on_set(client, msg)

    def report(self) -> dict:
        """Return the window's counts, decoded spread (complete sets) and stamp error."""
        spreads, errors = [], []
        for score in self.take_scores():
            for client, client_errors in score.stamp_errors_ns.items():
                errors.extend(client_errors)
                if len(client_errors) == self.cameras:
                    spreads.append(score.intra_client_spread_ns[client])
        return {**self.arrivals.report(), 'received': self.stream.received,
                'expected': self.stream.expected, 'missed': self.stream.missed,
                'timing_received': self.timing.received, 'timing_missed': self.timing.missed,
                'gaps': [list(g) for g in self.stream.gaps()][:20],
                'incomplete': self.incomplete, 'missing_frames': self.missing_frames,
                'undecodable': self.undecodable,
                'spread_ns': spreads, 'stamp_error_ns': errors,
                'spread_us': summarize_us(spreads, ('median', 'p99')),
                'stamp_error_us': summarize_us(errors, ('median', 'p99'))}


def main() -> None:
    """Count until the window is over (or SIGINT/SIGTERM), then write the report (atomically)."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--client', required=True,
                        help='the client id, which is also its namespace')
    parser.add_argument('--cameras', type=int, default=4, help='frames in a complete set')
    parser.add_argument('--warmup', type=float, default=3.0, help='seconds after the first set')
    parser.add_argument('--duration', type=float, default=60.0, help='counting window, s')
    parser.add_argument('--truth-every', type=int, default=15, help='decode every Nth tick')
    parser.add_argument('--out', required=True, help='write the JSON report here')
    args = parser.parse_args()
    use_large_frame_profile()
    with StopSignals() as stop:
        init_ros()
        node = WindowCounter(args.client, args.cameras, args.warmup, args.duration,
                             args.truth_every)
        try:
            while not node.done() and not stop.requested:
                rclpy.spin_once(node, timeout_sec=SPIN_S)
        finally:
            with open(args.out + '.tmp', 'w') as out:
                json.dump(node.report(), out)
            os.replace(args.out + '.tmp', args.out)
            node.destroy_node()
            rclpy.try_shutdown()

if __name__ == '__main__':
    main()
