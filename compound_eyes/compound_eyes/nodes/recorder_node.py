"""rclpy shell of the recorder: discovers topics, subscribes raw, hands bytes to the session.

Subscriptions deliver serialized CDR (raw=True), which is written unchanged once it decodes
(record/session); what was rejected is counted in /diagnostics every second.
SIGINT/SIGTERM (compound_eyes.signals) stop the spin loop between callbacks and the bag
is finalized, so every message received before the signal is readable;
further signals cannot interrupt the finalizing.
"""
from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Sequence

import rclpy
from diagnostic_msgs.msg import DiagnosticArray
from rclpy.node import Node
from rclpy.utilities import remove_ros_args

from compound_eyes.discovery_server import see_whole_graph
from compound_eyes.interfaces.schema import DIAGNOSTICS
from compound_eyes.interfaces.stamps import time_from_ns
from compound_eyes.nodes.dds_profile import use_large_frame_profile
from compound_eyes.nodes.lifecycle import init_ros, spin_until_stopped
from compound_eyes.nodes.qos import STATUS_QOS
from compound_eyes.nodes.recorder_diagnostics import PERIOD_S, recorder_diagnostics
from compound_eyes.nodes.recorder_qos import offered_qos, subscription_qos
from compound_eyes.record.bag_writer import BagExistsError, BagWriteError, UnknownTypeError
from compound_eyes.record.cli import add_record_arguments, recorder_settings
from compound_eyes.record.session import RecordingSession
from compound_eyes.record.settings import RecorderSettings
from compound_eyes.record.summary import print_summary
from compound_eyes.signals import StopSignals

NODE_NAME = 'compound_eyes_recorder'


def _message_class(msgtype: str) -> type:
    package, _, name = msgtype.split('/')
    return getattr(importlib.import_module(f'{package}.msg'), name)


class RecorderNode(Node):
    """Subscribe to every selected topic once it has a publisher, and write what arrives."""

    def __init__(self, session: RecordingSession) -> None:
        super().__init__(NODE_NAME)
        self.session = session
        self.qos = subscription_qos(session.settings.reliability, session.settings.depth)
        self._recorded: list[object] = []
        self.discover()
        self.create_timer(session.settings.discovery_period_s, self.discover)
        # half the writer's period: a message that arrives just after a durable point waits
        # at most 1.5 periods while the topics are quiet
        self.create_timer(session.writer.durable_period_s / 2, session.keep_durable)
        self.diag_pub = self.create_publisher(DiagnosticArray, DIAGNOSTICS, STATUS_QOS)
        self.create_timer(PERIOD_S, self._publish_diagnostics)

    def discover(self) -> None:
        """Subscribe to selected topics whose publishers appeared since the last look."""
        for topic, types in self.get_topic_names_and_types():
            msgtype = self.session.wanted_type(topic, types)
            if msgtype is None:
                continue
            # Waiting for a publisher lets the subscription match what it offers.
            publishers = self.get_publishers_info_by_topic(topic)
            if publishers:
                self._subscribe(topic, msgtype, [offered_qos(p.qos_profile) for p in publishers])

    def _subscribe(self, topic: str, msgtype: str, offered: list) -> None:
        try:
            msg_class = _message_class(msgtype)
            self.session.take(topic, msgtype, offered)
        except (UnknownTypeError, ImportError, AttributeError) as exc:
            self.get_logger().warning(f'not recording {topic}: {exc}')
            self.session.refuse(topic)
            return
        self._recorded.append(self.create_subscription(
            msg_class, topic, lambda data: self._on_message(topic, msgtype, data), self.qos,
            raw=True))
        self.get_logger().info(f'recording {topic} [{msgtype}]')

    def _on_message(self, topic: str, msgtype: str, data: bytes) -> None:
        problem = self.session.write(topic, msgtype, data)
        if problem:     # counted in /diagnostics and the summary's rejected
            self.get_logger().warning(problem, throttle_duration_sec=5.0)

    def _publish_diagnostics(self) -> None:
        self.diag_pub.publish(recorder_diagnostics(self.get_name(), self.session,
                                                   time_from_ns(time.time_ns())))


def run_recorder(settings: RecorderSettings) -> int:
    """Record until SIGINT/SIGTERM, the duration or a write error; print the summary; 0/1.

    A write error (a full disk) ends the recording with one line naming the file; the bag
    keeps everything made durable before it.
    """
    session = RecordingSession(settings)
    try:
        session.open()
    except (BagExistsError, ValueError, OSError) as exc:
        print(f'record: {exc}', file=sys.stderr)
        return 1
    use_large_frame_profile(readers_sized_per_sample=True)   # bounded under a flood
    see_whole_graph()   # topics are found by listing the graph
    with StopSignals() as stop:
        init_ros()
        node = None
        failure = None
        try:
            node = RecorderNode(session)
            deadline = (time.monotonic() + settings.duration_s if settings.duration_s > 0
                        else None)
            spin_until_stopped(node, stop, deadline)
        except BagWriteError as error:      # raised out of a callback by spin_once
            failure = error
        finally:
            try:
                session.close()
            except BagWriteError as error:
                failure = failure or error
            if node is not None:
                node.destroy_node()
            rclpy.try_shutdown()
        if failure is not None:
            print(f'record: {failure}', file=sys.stderr, flush=True)
        print_summary(session.summary())
    return 0 if failure is None else 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``ros2 run compound_eyes recorder`` and ``python -m``."""
    parser = argparse.ArgumentParser(prog='recorder', description=__doc__.splitlines()[0])
    add_record_arguments(parser)
    args = list(sys.argv[1:] if argv is None else argv)
    return run_recorder(recorder_settings(parser.parse_args(remove_ros_args(args))))


if __name__ == '__main__':
    sys.exit(main())
