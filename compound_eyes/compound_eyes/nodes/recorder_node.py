"""rclpy shell of the recorder: discovers topics, subscribes raw, hands bytes to the bag writer.

Subscriptions deliver serialized CDR (raw=True), which is written unchanged, so recording
costs no deserialization. SIGINT/SIGTERM stop the spin loop and the bag is finalized, so every
message received before the signal is readable.
"""
from __future__ import annotations

import argparse
import importlib
import json
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import rclpy
from rclpy.executors import SingleThreadedExecutor
from rclpy.node import Node
from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
from rclpy.signals import SignalHandlerOptions
from rclpy.utilities import remove_ros_args
from rosbags.interfaces import (
    Qos,
    QosDurability,
    QosHistory,
    QosLiveliness,
    QosReliability,
    QosTime,
)

from compound_eyes.discovery_server import see_whole_graph
from compound_eyes.record.bag_writer import BagExistsError, SplitBagWriter, UnknownTypeError
from compound_eyes.record.cli import add_record_arguments, run_from_args
from compound_eyes.record.set_counter import SetCounter
from compound_eyes.record.topic_selection import TopicSelection
from compound_eyes.record.types import SYNCED_FRAME_SET

_INFINITE = QosTime(2147483647, 4294967295)  # how rosbag2 writes an infinite duration


def _qos_time(nanoseconds: int) -> QosTime:
    sec, nsec = divmod(nanoseconds, 1_000_000_000)
    return _INFINITE if sec > _INFINITE.sec else QosTime(sec, nsec)


def offered_qos(profile: QoSProfile) -> Qos:
    """Convert a publisher's rclpy QoS to the rosbags form stored in metadata.yaml."""
    return Qos(
        history=QosHistory(int(profile.history)), depth=profile.depth,
        reliability=QosReliability(int(profile.reliability)),
        durability=QosDurability(int(profile.durability)),
        deadline=_qos_time(profile.deadline.nanoseconds),
        lifespan=_qos_time(profile.lifespan.nanoseconds),
        liveliness=QosLiveliness(int(profile.liveliness)),
        liveliness_lease_duration=_qos_time(profile.liveliness_lease_duration.nanoseconds),
        avoid_ros_namespace_conventions=profile.avoid_ros_namespace_conventions)


def _message_class(msgtype: str) -> type:
    package, _, name = msgtype.split('/')
    return getattr(importlib.import_module(f'{package}.msg'), name)


class RecorderNode(Node):
    """Subscribe to every selected topic as it appears and write what arrives."""

    def __init__(self, writer: SplitBagWriter, selection: TopicSelection, qos: QoSProfile,
                 discovery_period: float) -> None:
        super().__init__('compound_eyes_recorder')
        self.writer = writer
        self.selection = selection
        self.qos = qos
        self.counter = SetCounter()
        self.unparsable = 0
        self._skipped: set[str] = set()
        self._recording: dict[str, object] = {}
        self.discover()
        self.create_timer(discovery_period, self.discover)

    def discover(self) -> None:
        """Subscribe to selected topics that appeared since the last look."""
        for topic, types in self.get_topic_names_and_types():
            if topic in self._recording or topic in self._skipped:
                continue
            wanted = [t for t in types if self.selection.wants(topic, t)]
            if not wanted:
                continue
            self._subscribe(topic, wanted[0])

    def _subscribe(self, topic: str, msgtype: str) -> None:
        qos = [offered_qos(info.qos_profile)
               for info in self.get_publishers_info_by_topic(topic)]
        try:
            self.writer.add_topic(topic, msgtype, qos)
            msg_class = _message_class(msgtype)
        except (UnknownTypeError, ImportError, AttributeError) as exc:
            self.get_logger().warning(f'not recording {topic}: {exc}')
            self._skipped.add(topic)
            return
        is_set = msgtype == SYNCED_FRAME_SET
        self._recording[topic] = self.create_subscription(
            msg_class, topic, lambda data: self._on_message(topic, data, is_set), self.qos,
            raw=True)
        self.get_logger().info(f'recording {topic} [{msgtype}]')

    def _on_message(self, topic: str, data: bytes, is_set: bool) -> None:
        self.writer.write(topic, time.time_ns(), data)
        if is_set:
            try:
                self.counter.add(topic, data)
            except (ValueError, IndexError) as exc:  # struct.error is a ValueError
                self.unparsable += 1
                self.get_logger().warning(f'{topic}: cannot read tick of a set: {exc}')


def _install_stop_handlers() -> list[bool]:
    stop = [False]

    def request_stop(signum: int, frame: object) -> None:
        stop[0] = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    return stop


def run_recorder(output: Path, selection: TopicSelection, *, max_bag_size: int = 0,
                 max_bag_duration: float = 0, duration: float = 0,
                 reliability: str = 'reliable', depth: int = 50,
                 discovery_period: float = 0.5) -> int:
    """Record until SIGINT/SIGTERM or duration; print a JSON summary on stdout; return 0/1."""
    writer = SplitBagWriter(output, max_bag_size=max_bag_size,
                            max_bag_duration_s=max_bag_duration)
    try:
        writer.open()
    except (BagExistsError, ValueError, OSError) as exc:
        print(f'record: {exc}', file=sys.stderr)
        return 1
    stop = _install_stop_handlers()
    see_whole_graph()   # topics are found by listing the graph
    policy = (ReliabilityPolicy.RELIABLE if reliability == 'reliable'
              else ReliabilityPolicy.BEST_EFFORT)
    qos = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=depth, reliability=policy)
    rclpy.init(signal_handler_options=SignalHandlerOptions.NO)
    node = None
    try:
        node = RecorderNode(writer, selection, qos, discovery_period)
        executor = SingleThreadedExecutor()
        executor.add_node(node)
        deadline = time.monotonic() + duration if duration > 0 else None
        while not stop[0] and (deadline is None or time.monotonic() < deadline):
            executor.spin_once(timeout_sec=0.1)
    finally:
        writer.close()
        if node is not None:
            node.destroy_node()
        rclpy.try_shutdown()
    _report(output, writer, node)
    return 0


def _report(output: Path, writer: SplitBagWriter, node: RecorderNode | None) -> None:
    sets = node.counter.summary() if node else []
    for row in sets:
        gaps = ', '.join(f'{a}..{b}' for a, b in row['gaps']) or 'none'
        print(f"record: {row['topic']} {row['client_id']}: {row['received']} sets of "
              f"{row['expected']} expected, {row['missed']} missed (gaps: {gaps})",
              file=sys.stderr)
    summary = {'bag': str(output), 'files': [f.path for f in writer.files],
               'messages': writer.counts(), 'sets': sets,
               'unparsable_sets': node.unparsable if node else 0}
    print(json.dumps(summary), flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``ros2 run compound_eyes recorder`` and ``python -m``."""
    parser = argparse.ArgumentParser(prog='recorder', description=__doc__.splitlines()[0])
    add_record_arguments(parser)
    args = list(sys.argv[1:] if argv is None else argv)
    return run_from_args(parser.parse_args(remove_ros_args(args)))


if __name__ == '__main__':
    sys.exit(main())
