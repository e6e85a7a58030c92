"""An in-test ROS peer of one client: records its sets, decodes timecodes, sends PhaseDelay.

Both of the client's topics are reduced to one SeenSet shape: the full SyncedFrameSet ('full')
and its FrameSetTiming ('timing'), whose frames carry no pixels or counters.

It runs in its own rclpy context spun by a thread (spun_node.py), so a test can watch a client
process while it acts; `with ClientProbe(ns) as probe:` always shuts the context down.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from builtin_interfaces.msg import Time
from compound_eyes_msgs.msg import CameraFrame, FrameSetTiming, PhaseDelay, SyncedFrameSet
from diagnostic_msgs.msg import DiagnosticArray
from spun_node import SpunNode

from compound_eyes.camera.timecode import decode
from compound_eyes.interfaces import schema
from compound_eyes.interfaces.images import frame_image
from compound_eyes.interfaces.stamps import ns_from_time, time_from_ns
from compound_eyes.nodes.qos import COMMAND_QOS, STATUS_QOS, TIMING_QOS, image_qos
from compound_eyes.phase.command_auth import sign_command


@dataclass(frozen=True)
class SeenFrame:
    """What a test checks of one received CameraFrame."""

    channel_id: str
    capture_ns: int
    phase_delay_ns: int
    payload: int | None      # None: a timing frame, which has no payload field
    pixel_bytes: int
    reconnects: int | None   # None: a timing frame, which has no counters
    true_ns: int | None      # decoded timecode; None without pixels or when unreadable


@dataclass(frozen=True)
class SeenSet:
    """What a test checks of one received SyncedFrameSet or FrameSetTiming."""

    tick: int
    stamp_ns: int
    phase_delay_ns: int | None   # timing sets: the channels' common delay (None if they differ)
    phase_delay_sequence: int
    frames: tuple[SeenFrame, ...]
    missing: tuple[str, ...]

    def frame(self, channel_id: str) -> SeenFrame | None:
        """Return the frame of a channel, None when it is not in the set."""
        return next((f for f in self.frames if f.channel_id == channel_id), None)


def _seen_frame(frame: CameraFrame, phase_delay_ns: int) -> SeenFrame:
    image = frame_image(frame)
    return SeenFrame(frame.channel_id, ns_from_time(frame.capture_stamp), phase_delay_ns,
                     frame.payload, len(frame.image.data) + len(frame.compressed_image.data),
                     frame.reconnects, None if image is None else decode(image))


def _seen_full(msg: SyncedFrameSet) -> SeenSet:
    return SeenSet(msg.tick, ns_from_time(msg.header.stamp), msg.phase_delay_ns,
                   msg.phase_delay_sequence,
                   tuple(_seen_frame(f, msg.phase_delay_ns) for f in msg.frames),
                   tuple(msg.missing_channel_ids))


def _seen_timing(msg: FrameSetTiming) -> SeenSet:
    frames = tuple(SeenFrame(channel, stamp, delay, None, 0, None, None) for channel, stamp, delay
                   in zip(msg.channel_ids, msg.capture_stamps_ns, msg.phase_delays_ns,
                          strict=True))
    delays = set(msg.phase_delays_ns)
    return SeenSet(msg.tick, ns_from_time(msg.header.stamp),
                   delays.pop() if len(delays) == 1 else None, msg.phase_delay_sequence,
                   frames, tuple(msg.missing_channel_ids))


class ClientProbe(SpunNode):
    """Subscribes to /<namespace>/synced_frames, its timing, /diagnostics; sends PhaseDelay."""

    def __init__(self, namespace: str) -> None:
        super().__init__('client_probe')
        self._sets: dict[str, list[SeenSet]] = {'full': [], 'timing': []}
        for kind, msg_type, topic, seen, qos in (
                ('full', SyncedFrameSet, schema.SYNCED_FRAMES, _seen_full,
                 image_qos('reliable', 5)),
                ('timing', FrameSetTiming, schema.SYNCED_FRAMES_TIMING, _seen_timing,
                 TIMING_QOS)):
            self.node.create_subscription(
                msg_type, f'/{namespace}/{topic}',
                lambda msg, kind=kind, seen=seen: self._on_set(kind, seen(msg)), qos)
        self._diagnostics: list[DiagnosticArray] = []
        self.node.create_subscription(DiagnosticArray, schema.DIAGNOSTICS,
                                      self._on_diagnostics, STATUS_QOS)
        self.commands = self.node.create_publisher(
            PhaseDelay, f'/{namespace}/{schema.PHASE_DELAY}', COMMAND_QOS)
        self.start()

    def sets(self, kind: str = 'full') -> list[SeenSet]:
        """Return a copy of the sets received so far on 'full' or 'timing'."""
        with self._lock:
            return list(self._sets[kind])

    def diagnostics(self) -> list[DiagnosticArray]:
        """Return a copy of the /diagnostics arrays received so far."""
        with self._lock:
            return list(self._diagnostics)

    def send_delay(self, client_id: str, period_ns: int, delay_ns: int, sequence: int,
                   expires: Time, key: bytes | None = None) -> None:
        """Publish one PhaseDelay on the client's command topic, signed with key if given."""
        command = PhaseDelay(client_id=client_id, tick_period_ns=period_ns, delay_ns=delay_ns,
                             sequence=sequence, expires=expires)
        if key is not None:
            sign_command(key, command)
        self.commands.publish(command)

    @staticmethod
    def expires_in(seconds: float) -> Time:
        """Return an expiry this far from now (negative: already expired)."""
        return time_from_ns(time.time_ns() + round(seconds * 1e9))

    def _on_diagnostics(self, msg: DiagnosticArray) -> None:
        with self._lock:
            self._diagnostics.append(msg)

    def _on_set(self, kind: str, seen: SeenSet) -> None:
        with self._lock:
            self._sets[kind].append(seen)
