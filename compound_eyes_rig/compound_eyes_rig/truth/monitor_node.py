"""A node that decodes the synthetic timecodes of received sets to measure true sync error.

Used by the demo (and tests) to print how far apart capture moments really were; it only
works on synthetic timecode cameras, whose pixels carry the true exposure time. Only sets
whose client_id is the one of their topic are scored, and a frame whose image does not decode
counts as undecodable, so hostile sets published on a client's topic cannot skew the scores.
Statuses are remembered for the monitored clients only: a status naming other clients cannot
make the monitor grow.
"""
from __future__ import annotations

import functools
import threading
import time
from collections.abc import Sequence

from compound_eyes_msgs.msg import CameraFrame, SyncedFrameSet, SyncStatus
from rclpy.node import Node

from compound_eyes.camera.timecode import decode
from compound_eyes.interfaces import schema
from compound_eyes.interfaces.images import frame_image
from compound_eyes.interfaces.schema import LockState
from compound_eyes.interfaces.stamps import ns_from_time
from compound_eyes.nodes.qos import STATUS_QOS, image_qos
from compound_eyes_rig.truth.tick_truth import FrameTruth, TickScore, TickTruthCollector


class TruthMonitor(Node):
    """Scores every sample_every-th tick across the given clients' SyncedFrameSet topics."""

    def __init__(self, clients: Sequence[str], sample_every: int = 3) -> None:
        super().__init__('compound_eyes_truth_monitor')
        self.sample_every = sample_every
        self.monitored_clients = frozenset(clients)
        self.collector = TickTruthCollector(expected_clients=len(clients))
        self.scores: list[TickScore] = []
        self.undecodable = 0
        self.foreign = 0        # sets on a client's topic that named another client
        self.latest_status: SyncStatus | None = None
        self.first_seen_s: dict[str, float] = {}    # client -> first status listing it
        self.first_locked_s: dict[str, float] = {}  # client -> first status showing it LOCKED
        self._lock = threading.Lock()
        for client in clients:
            self.create_subscription(SyncedFrameSet, f'/{client}/{schema.SYNCED_FRAMES}',
                                     functools.partial(self._on_set, client),
                                     image_qos('reliable', 5))
        self.create_subscription(SyncStatus, schema.SYNC_STATUS, self._on_status, STATUS_QOS)

    def take_scores(self) -> list[TickScore]:
        """Return and forget the scores gathered since the last call."""
        with self._lock:
            scores, self.scores = self.scores, []
        return scores

    def _on_status(self, msg: SyncStatus) -> None:
        self.latest_status = msg
        now = time.monotonic()
        for client in msg.clients:
            if client.client_id not in self.monitored_clients:
                continue
            if client.lock_state != LockState.LOST:
                self.first_seen_s.setdefault(client.client_id, now)
            if client.lock_state == LockState.LOCKED:
                self.first_locked_s.setdefault(client.client_id, now)

    def _on_set(self, client: str, msg: SyncedFrameSet) -> None:
        if msg.client_id != client:
            self.foreign += 1
            return
        if msg.tick % self.sample_every:
            return
        truths = []
        for frame in msg.frames:
            true_ns = self._true_time(frame)
            if true_ns is None:
                self.undecodable += 1
                continue
            truths.append(FrameTruth(msg.client_id, frame.channel_id,
                                     ns_from_time(frame.capture_stamp), true_ns))
        scores = self.collector.add(msg.tick, truths, time.time_ns())
        with self._lock:
            self.scores.extend(scores)

    @staticmethod
    def _true_time(frame: CameraFrame) -> int | None:
        try:
            image = frame_image(frame)
        except ValueError:      # pixels that do not fit their size or do not decode
            return None
        return None if image is None else decode(image)
