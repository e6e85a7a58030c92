"""The server node: watches every client's timing sets and closes the phase-delay loop.

Clients are discovered from the graph (any topic of type SyncedFrameSet ending in /timing);
state is keyed by the client_id inside the messages, so namespaces are free to choose.
"""
from __future__ import annotations

from compound_eyes_msgs.msg import PhaseDelay, SyncedFrameSet, SyncStatus
from diagnostic_msgs.msg import DiagnosticArray
from rclpy.node import Node

from compound_eyes.clock.monitor import ClockMonitor
from compound_eyes.clock.synced import SyncedClock
from compound_eyes.config.server import ServerConfig
from compound_eyes.discovery_server import see_whole_graph
from compound_eyes.interfaces.frame_set_cdr import from_cdr
from compound_eyes.interfaces.stamps import time_from_ns
from compound_eyes.nodes import topics
from compound_eyes.nodes.lifecycle import run_until_signal
from compound_eyes.nodes.parameters import node_parameters
from compound_eyes.nodes.qos import COMMAND_QOS, STATUS_QOS, TIMING_QOS
from compound_eyes.nodes.server_loop import MALFORMED, ServerLoop
from compound_eyes.nodes.sync_status_msg import build_diagnostics, build_sync_status

NODE_NAME = 'compound_eyes_server'


class ServerNode(Node):
    """Subscribes to discovered clients, publishes PhaseDelay, SyncStatus and diagnostics."""

    def __init__(self) -> None:
        super().__init__(NODE_NAME, allow_undeclared_parameters=True,
                         automatically_declare_parameters_from_overrides=True)
        params = node_parameters(self)
        self.config = ServerConfig.from_parameters(params, f'parameters of {self.get_name()}')
        self.clock = SyncedClock()
        self.monitor = ClockMonitor(self.clock, list(self.config.ntp_servers),
                                    poll_interval_s=self.config.ntp_poll_interval_s)
        self.loop = ServerLoop(self.config)
        self.delay_pub = self.create_publisher(PhaseDelay, topics.PHASE_DELAY, COMMAND_QOS)
        self.status_pub = self.create_publisher(SyncStatus, topics.SYNC_STATUS, STATUS_QOS)
        self.diag_pub = self.create_publisher(DiagnosticArray, topics.DIAGNOSTICS, STATUS_QOS)
        self._subscribed: set[str] = set()
        self.create_timer(self.config.discovery_interval_s, self._discover)
        self.create_timer(1.0 / self.config.command_rate_hz, self._publish_commands)
        self.create_timer(1.0 / self.config.status_rate_hz, self._publish_status)
        self._discover()

    def start(self) -> None:
        """Start measuring the server's own clock."""
        self.monitor.start()

    def shutdown(self) -> None:
        """Stop NTP polling."""
        self.monitor.stop()

    def _discover(self) -> None:
        for name, types in self.get_topic_names_and_types():
            if name in self._subscribed or not topics.is_client_timing(name, types):
                continue
            self._subscribed.add(name)
            # Serialized: deserializing into rclpy objects cost more than the estimator.
            self.create_subscription(SyncedFrameSet, name, self._on_timing, TIMING_QOS,
                                     raw=True)
            self.get_logger().info(f'watching {name}')

    def _on_timing(self, data: bytes) -> None:
        try:
            timing = from_cdr(data)
        except ValueError as error:
            self.loop.reject(MALFORMED)
            self.get_logger().warning(f'rejected a set: {MALFORMED} ({error})',
                                      throttle_duration_sec=5.0)
            return
        problem = self.loop.observe(timing, self.clock.now_ns())
        if problem:
            self.get_logger().warning(f'rejected set from {timing.client_id!r}: {problem}',
                                      throttle_duration_sec=5.0)

    def _publish_commands(self) -> None:
        now_ns = self.clock.now_ns()
        for command in self.loop.commands(now_ns):
            self.delay_pub.publish(command)

    def _publish_status(self) -> None:
        now_ns = self.clock.now_ns()
        snapshot = self.loop.status(now_ns)
        stamp = time_from_ns(now_ns)
        self.status_pub.publish(build_sync_status(snapshot, self.loop, stamp))
        self.diag_pub.publish(build_diagnostics(snapshot, self.monitor.status(), stamp,
                                                self.loop))


def main(argv: list[str] | None = None) -> int:
    """Run the server node until SIGINT/SIGTERM; configuration errors exit 2."""
    see_whole_graph()   # clients are found by listing topics
    return run_until_signal('server', argv, ServerNode, ServerNode.start, ServerNode.shutdown)
