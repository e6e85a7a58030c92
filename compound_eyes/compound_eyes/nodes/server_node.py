"""The server node: watches every client's timing sets and closes the phase-delay loop.

Clients are discovered from the graph (any topic of type FrameSetTiming); state is keyed by
the client_id inside the messages, so namespaces are free to choose. Each client's commands
go to the namespace its timing sets come from (nodes/command_routes.py). Subscriptions take
the serialized bytes and rclpy deserializes them here: a typed subscription drops bytes that
are no FrameSetTiming without a word, and the server's diagnostics count them instead.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence

from compound_eyes_msgs.msg import FrameSetTiming, PhaseDelay, SyncStatus
from diagnostic_msgs.msg import DiagnosticArray
from rclpy.node import Node
from rclpy.serialization import deserialize_message

from compound_eyes.clock.monitor import ClockMonitor
from compound_eyes.clock.synced import SyncedClock
from compound_eyes.config.server import ServerConfig
from compound_eyes.discovery_server import see_whole_graph
from compound_eyes.interfaces import schema
from compound_eyes.interfaces.stamps import time_from_ns
from compound_eyes.nodes.command_routes import CommandRoutes, Writer
from compound_eyes.nodes.dds_profile import use_large_frame_profile
from compound_eyes.nodes.lifecycle import run_until_signal
from compound_eyes.nodes.parameters import (
    declare_settings,
    follow_live_settings,
    parameter_source,
    params_files,
)
from compound_eyes.nodes.periodic import Periodic
from compound_eyes.nodes.qos import (
    COMMAND_QOS,
    STATUS_QOS,
    TIMING_QOS,
    overridable_publisher,
)
from compound_eyes.nodes.server_loop import MALFORMED, ServerLoop
from compound_eyes.nodes.sync_status_msg import build_diagnostics, build_sync_status

NODE_NAME = 'compound_eyes_server'


class ServerNode(Node):
    """Subscribes to discovered clients, publishes PhaseDelay, SyncStatus and diagnostics."""

    def __init__(self, files: Sequence[str] = ()) -> None:
        """files: the parameter files on the command line, named in configuration errors."""
        super().__init__(NODE_NAME)
        source = parameter_source(self, files)
        self.config = declare_settings(self, ServerConfig, source)
        self.clock = SyncedClock()
        self.monitor = ClockMonitor(self.clock, list(self.config.ntp_servers),
                                    poll_interval_s=self.config.ntp_poll_interval_s)
        self.loop = ServerLoop(self.config)
        self.command_routes = CommandRoutes(self._create_command_writer)
        self.status_pub = overridable_publisher(self, SyncStatus, schema.SYNC_STATUS, STATUS_QOS,
                                                source)
        self.diag_pub = overridable_publisher(self, DiagnosticArray, schema.DIAGNOSTICS,
                                              STATUS_QOS, source)
        self._subscribed: set[str] = set()
        self.periodic = Periodic()   # run by the spin loop, see nodes/lifecycle.py
        self._schedule()
        follow_live_settings(self, lambda: self.config, self._reconfigure, source)
        self._discover()

    def start(self) -> None:
        """Start measuring the server's own clock."""
        self.monitor.start()

    def shutdown(self) -> None:
        """Stop NTP polling."""
        self.monitor.stop()

    def _reconfigure(self, config: ServerConfig) -> None:
        """Take changed live settings: loop tuning and the timers' periods."""
        self.config = config
        self.loop.reconfigure(config)
        self._schedule()

    def _schedule(self) -> None:
        """Give each periodic callback the configuration's period."""
        self.periodic.every(self.config.discovery_interval_s, self._discover)
        self.periodic.every(self.config.command_period_s, self._publish_commands)
        self.periodic.every(self.config.status_period_s, self._publish_status)

    def _discover(self) -> None:
        for name, types in self.get_topic_names_and_types():
            if name in self._subscribed or not schema.is_client_timing(name, types):
                continue
            self._subscribed.add(name)
            writer = self.command_routes.writer_for(name)
            self.create_subscription(FrameSetTiming, name,
                                     functools.partial(self._on_timing, writer), TIMING_QOS,
                                     raw=True)
            self.get_logger().info(f'watching {name}')

    def _create_command_writer(self, topic: str) -> Writer:
        return self.create_publisher(PhaseDelay, topic, COMMAND_QOS)

    def _on_timing(self, writer: Writer, data: bytes) -> None:
        try:
            timing = deserialize_message(data, FrameSetTiming)
        except RuntimeError as error:       # rclpy's RMWError: not a FrameSetTiming
            self.loop.reject(MALFORMED)
            self.get_logger().warning(f'rejected a set: {MALFORMED} ({error})',
                                      throttle_duration_sec=5.0)
            return
        problem = self.loop.observe(timing, self.clock.now_ns())
        if problem:
            self.get_logger().warning(f'rejected set from {timing.client_id!r}: {problem}',
                                      throttle_duration_sec=5.0)
            return
        self.command_routes.learn(timing.client_id, writer)

    def _publish_commands(self) -> None:
        self.command_routes.publish(self.loop.commands(self.clock.now_ns()))

    def _publish_status(self) -> None:
        now_ns = self.clock.now_ns()
        snapshot = self.loop.status(now_ns)
        stamp = time_from_ns(now_ns)
        self.status_pub.publish(build_sync_status(snapshot, self.loop, stamp))
        self.diag_pub.publish(build_diagnostics(self.get_name(), snapshot,
                                                self.monitor.status(), stamp, self.loop))


def main(argv: list[str] | None = None) -> int:
    """Run the server node until SIGINT/SIGTERM; configuration errors exit 2."""
    use_large_frame_profile()
    see_whole_graph()   # clients are found by listing topics
    return run_until_signal('server', argv, functools.partial(ServerNode, params_files(argv)),
                            ServerNode.start, ServerNode.shutdown,
                            periodic=lambda node: node.periodic)
