"""What both transport peers share: arguments, the test frame, and receive-side counting."""
from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

import cv2
import numpy as np

WIDTH, HEIGHT, CHANNELS = 640, 480, 3


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments every peer takes, so the orchestrator drives them alike."""
    parser.add_argument('role', choices=('pub', 'sub'))
    parser.add_argument('--duration', type=float, default=10.0, help='publishing seconds')
    parser.add_argument('--payload', choices=('raw', 'jpeg'), default='raw')
    parser.add_argument('--depth', type=int, default=5, help='queue depth / high-water mark')
    parser.add_argument('--warmup', type=float, default=1.0, help='pub: wait before sending')
    parser.add_argument('--idle', type=float, default=2.0,
                        help='sub: stop after this long without frames once some arrived')
    parser.add_argument('--timeout', type=float, default=60.0, help='sub: stop after this long')


def test_frame() -> np.ndarray:
    """A 640x480 bgr8 frame with texture and noise, so JPEG sizes are not trivially small."""
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    base = np.stack([(x * 255 // WIDTH), (y * 255 // HEIGHT), ((x ^ y) & 0xFF)], axis=-1)
    noise = rng.integers(-12, 13, size=base.shape)
    return np.clip(base + noise, 0, 255).astype(np.uint8)


def frame_payload(kind: str) -> tuple[bytes, str]:
    """Bytes and format name of the frame each message carries (JPEG encoded once, up front)."""
    frame = test_frame()
    if kind == 'raw':
        return frame.tobytes(), 'bgr8'
    ok, encoded = cv2.imencode('.jpg', frame, [cv2.IMWRITE_JPEG_QUALITY, 90])
    if not ok:
        raise RuntimeError('JPEG encoding failed')
    return encoded.tobytes(), 'jpeg'


class ReceiveCounter:
    """Count frames and bytes between the first and the last arrival, plus latency."""

    def __init__(self, idle_s: float, timeout_s: float) -> None:
        """Stop idle_s after the last frame, or timeout_s after start regardless."""
        self.idle_s = idle_s
        self.deadline = time.monotonic() + timeout_s
        self.frames = 0
        self.payload_bytes = 0
        self.message_bytes = 0
        self.first = self.last = 0.0
        self.latencies_ns: list[int] = []

    def add(self, payload_bytes: int, message_bytes: int, sent_ns: int) -> None:
        """Record one arrival; sent_ns is the publisher's wall-clock send time."""
        now = time.monotonic()
        self.latencies_ns.append(time.time_ns() - sent_ns)
        if self.frames == 0:
            self.first = now
        self.last = now
        self.frames += 1
        self.payload_bytes += payload_bytes
        self.message_bytes += message_bytes

    def finished(self) -> bool:
        """Whether the sender has gone quiet (after sending) or the deadline passed."""
        now = time.monotonic()
        return now > self.deadline or (self.frames > 0 and now - self.last > self.idle_s)

    def report(self) -> dict[str, Any]:
        """Summarize counts and rates over the receiving window (first to last frame)."""
        window = self.last - self.first
        rate = (self.frames - 1) / window if self.frames > 1 and window > 0 else 0.0
        latency = np.asarray(self.latencies_ns, dtype=np.float64) * 1e-6
        return {
            'frames': self.frames, 'window_s': window, 'fps': rate,
            'payload_mb_s': rate * self.payload_bytes / max(self.frames, 1) / 1e6,
            'message_bytes': self.message_bytes,
            'latency_ms_median': float(np.median(latency)) if latency.size else None,
            'latency_ms_p99': float(np.percentile(latency, 99)) if latency.size else None,
        }


def print_report(report: dict[str, Any]) -> None:
    """Emit the result as the last stdout line, where the orchestrator looks for it."""
    sys.stdout.write(json.dumps(report) + '\n')
    sys.stdout.flush()
