"""Our transport: rclpy SyncedFrameSet messages with one camera frame each, over Fast DDS.

Run as `python -m compound_eyes_rig.bench.peers.ros_image pub|sub ...`; Fast DDS settings (socket
buffers, builtin transports) come from the environment the orchestrator sets.
"""
from __future__ import annotations

import argparse
import struct
import time

import rclpy
from compound_eyes_msgs.msg import CameraFrame, SyncedFrameSet
from rclpy._rclpy_pybind11 import RCLError  # publish failures are raised as this type
from rclpy.node import Node
from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
from rclpy.serialization import serialize_message

from compound_eyes.nodes.lifecycle import init_ros
from compound_eyes.signals import run_interruptible
from compound_eyes_rig.bench.image_fill import fill_array_constructor
from compound_eyes_rig.bench.peers.common import (
    CHANNELS,
    HEIGHT,
    WIDTH,
    ReceiveCounter,
    add_common_arguments,
    frame_payload,
    print_report,
)

TOPIC = 'bench/frames'
_MATCH_TIMEOUT_S = 30.0
_STAMP = struct.Struct('<iI')  # builtin_interfaces/Time in little-endian CDR: sec, nanosec


def qos(args: argparse.Namespace) -> QoSProfile:
    """Build the QoS both sides use (they must be compatible)."""
    reliability = (ReliabilityPolicy.RELIABLE if args.reliability == 'reliable'
                   else ReliabilityPolicy.BEST_EFFORT)
    history = HistoryPolicy.KEEP_ALL if args.history == 'keep_all' else HistoryPolicy.KEEP_LAST
    return QoSProfile(history=history, depth=args.depth, reliability=reliability)


def make_set(payload: bytes, fmt: str, sequence: int) -> SyncedFrameSet:
    """One frame set as the capture client would publish it, pixels filled the fast way."""
    frame = CameraFrame(channel_id='cam0', camera_id='0', sequence=sequence)
    if fmt == 'jpeg':
        frame.payload = CameraFrame.PAYLOAD_COMPRESSED
        frame.compressed_image.format = 'jpeg'
        fill_array_constructor(frame.compressed_image, payload)
    else:
        frame.payload = CameraFrame.PAYLOAD_RAW
        image = frame.image
        image.height, image.width, image.encoding = HEIGHT, WIDTH, fmt
        image.step = WIDTH * CHANNELS
        fill_array_constructor(image, payload)
    message = SyncedFrameSet(client_id='bench', tick=sequence, frames=[frame])
    now = time.time_ns()
    message.header.stamp.sec, message.header.stamp.nanosec = divmod(now, 1_000_000_000)
    return message


class PreserializedSets:
    """CDR bytes of one set, re-stamped per send: the cost of publishing without conversion.

    The set is serialized once; each send only writes the header stamp into a copy, so what
    remains is rclpy's serialized publish and the transport: an upper bound of what
    publishing pre-serialized sets could gain over building messages.
    """

    _MARK_SEC, _MARK_NANOSEC = 0x5A17C0DE, 0x3B9AC9FF

    def __init__(self, payload: bytes, fmt: str) -> None:
        """Serialize a marked set and find where its stamp lies."""
        message = make_set(payload, fmt, 0)
        message.header.stamp.sec, message.header.stamp.nanosec = self._MARK_SEC, self._MARK_NANOSEC
        self._cdr = serialize_message(message)
        self._offset = self._cdr.find(_STAMP.pack(self._MARK_SEC, self._MARK_NANOSEC))
        if self._offset < 0:
            raise RuntimeError('the marked stamp was not found in the serialized set')

    def next(self) -> bytes:
        """Return the set stamped now (one copy of the bytes)."""
        sec, nanosec = divmod(time.time_ns(), 1_000_000_000)
        end = self._offset + _STAMP.size
        return self._cdr[:self._offset] + _STAMP.pack(sec, nanosec) + self._cdr[end:]


def publish(node: Node, args: argparse.Namespace) -> None:
    """Wait for the subscriber, then send as fast as each publish call returns."""
    payload, fmt = frame_payload(args.payload)
    preserialized = PreserializedSets(payload, fmt) if args.preserialized else None
    publisher = node.create_publisher(SyncedFrameSet, TOPIC, qos(args))
    give_up = time.monotonic() + _MATCH_TIMEOUT_S
    while publisher.get_subscription_count() == 0 and time.monotonic() < give_up:
        time.sleep(0.05)
    time.sleep(args.warmup)  # let the subscriber's side of discovery finish too
    sent = failed = 0
    deadline = time.monotonic() + args.duration
    while time.monotonic() < deadline:
        try:
            publisher.publish(preserialized.next() if preserialized
                              else make_set(payload, fmt, sent))
            sent += 1
        except RCLError:  # Fast DDS refused (e.g. reliable history blocked): a drop
            failed += 1
    time.sleep(1.0)  # reliable: let retransmissions of the tail complete before leaving
    print_report({'sent': sent, 'publish_failed': failed,
                  'matched': publisher.get_subscription_count()})


def subscribe(node: Node, args: argparse.Namespace) -> None:
    """Count arriving sets until the publisher has been quiet for --idle seconds."""
    counter = ReceiveCounter(args.idle, args.timeout)

    def on_set(message: SyncedFrameSet) -> None:
        frame = message.frames[0]
        pixels = frame.image.data if frame.payload == CameraFrame.PAYLOAD_RAW \
            else frame.compressed_image.data
        stamp = message.header.stamp
        counter.add(len(pixels), len(pixels), stamp.sec * 1_000_000_000 + stamp.nanosec)

    def on_serialized(data: bytes) -> None:  # no deserialization: what a recorder does
        counter.add(len(data), len(data), time.time_ns())

    node.create_subscription(SyncedFrameSet, TOPIC, on_serialized if args.serialized else on_set,
                             qos(args), raw=args.serialized)
    while not counter.finished():
        rclpy.spin_once(node, timeout_sec=0.1)
    print_report(counter.report())


def main() -> None:
    """Parse the role and run it inside one rclpy context."""
    parser = argparse.ArgumentParser(description=__doc__)
    add_common_arguments(parser)
    parser.add_argument('--reliability', choices=('reliable', 'best_effort'),
                        default='reliable')
    parser.add_argument('--serialized', action='store_true',
                        help='sub: take serialized CDR bytes (no latency is measured)')
    parser.add_argument('--history', choices=('keep_last', 'keep_all'), default='keep_last',
                        help='keep_all: a reliable publish waits while depth sets are unacked')
    parser.add_argument('--preserialized', action='store_true',
                        help='pub: publish one serialized set, re-stamped per send')
    args = parser.parse_args()

    def play_role() -> None:
        init_ros()
        node = rclpy.create_node(f'bench_{args.role}')
        try:
            (publish if args.role == 'pub' else subscribe)(node, args)
        finally:
            node.destroy_node()
            rclpy.try_shutdown()

    run_interruptible(f'ros_image {args.role}', play_role)


if __name__ == '__main__':
    main()
