"""An rclpy listener inside the test process: what the server says and what clients send.

It spins in a background thread on the test's own ROS domain (set by the `ros_env` fixture
before rclpy.init reads it) and records every message with its monotonic arrival time, so a
test can split a run into phases. Commands go to each client's namespace, so the probe looks
for PhaseDelay topics as the server looks for timing topics, and records every one it finds.
The truth monitor decodes the synthetic timecodes.
"""
from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterable, Sequence

import rclpy
from compound_eyes_msgs.msg import FrameSetTiming, PhaseDelay, SyncStatus
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus
from rclpy.executors import SingleThreadedExecutor
from rclpy.publisher import Publisher

from compound_eyes.interfaces import schema
from compound_eyes.interfaces.schema import LockState
from compound_eyes.nodes.diagnostic_status import status_name
from compound_eyes.nodes.qos import COMMAND_QOS, STATUS_QOS, TIMING_QOS
from compound_eyes.nodes.server_node import NODE_NAME as SERVER_NODE
from compound_eyes_rig.truth.monitor_node import TruthMonitor

LOCKED, LOST = LockState.LOCKED, LockState.LOST
COMMAND_TOPIC_LOOK_S = 0.2   # how often the graph is searched for new command topics


def server_status(task: str) -> str:
    """Return the name of the server's /diagnostics status for task."""
    return status_name(SERVER_NODE, task)


class Probe:
    """Records /sync_status, /diagnostics, every PhaseDelay topic and given clients' sets."""

    def __init__(self, timing_clients: Sequence[str] = (),
                 frame_clients: Sequence[str] = ()) -> None:
        """Record /<id>/synced_frames/timing of timing_clients; decode frame_clients' images."""
        rclpy.init()
        self.node = rclpy.create_node('e2e_probe')
        self.statuses: list[tuple[float, SyncStatus]] = []
        self.diagnostics: list[tuple[float, DiagnosticArray]] = []
        self.commands: list[tuple[float, PhaseDelay]] = []
        self.commands_on: dict[str, list[PhaseDelay]] = {}     # topic -> its commands
        self.sets: dict[str, list[tuple[float, FrameSetTiming]]] = {c: [] for c in timing_clients}
        self.node.create_subscription(SyncStatus, schema.SYNC_STATUS,
                                      self._recorder(self.statuses), STATUS_QOS)
        self.node.create_subscription(DiagnosticArray, schema.DIAGNOSTICS,
                                      self._recorder(self.diagnostics), STATUS_QOS)
        self.node.create_timer(COMMAND_TOPIC_LOOK_S, self._find_command_topics)
        for client in timing_clients:
            self.node.create_subscription(
                FrameSetTiming, f'/{client}/{schema.SYNCED_FRAMES_TIMING}',
                self._recorder(self.sets[client]), TIMING_QOS)
        self.truth = TruthMonitor(frame_clients, sample_every=1) if frame_clients else None
        self.executor = SingleThreadedExecutor()
        for node in (self.node, self.truth):
            if node is not None:
                self.executor.add_node(node)
        self._thread = threading.Thread(target=self.executor.spin, daemon=True)
        self._thread.start()

    @staticmethod
    def _recorder(sink: list) -> Callable[[object], None]:
        return lambda msg: sink.append((time.monotonic(), msg))

    def _find_command_topics(self) -> None:
        for name, types in self.node.get_topic_names_and_types():
            if name in self.commands_on or schema.PHASE_DELAY_TYPE not in types:
                continue
            on_topic = self.commands_on[name] = []
            self.node.create_subscription(PhaseDelay, name, functools.partial(
                self._on_command, on_topic), COMMAND_QOS)

    def _on_command(self, on_topic: list[PhaseDelay], msg: PhaseDelay) -> None:
        self.commands.append((time.monotonic(), msg))
        on_topic.append(msg)

    def publisher(self, topic: str) -> Publisher:
        """Create a FrameSetTiming publisher with the timing topic's QoS (a fake client)."""
        return self.node.create_publisher(FrameSetTiming, topic, TIMING_QOS)

    def lock_states(self, since: float = 0.0) -> dict[str, int]:
        """client_id -> lock state in the newest /sync_status received after `since`."""
        recent = [msg for t, msg in list(self.statuses) if t >= since]
        return {c.client_id: c.lock_state for c in recent[-1].clients} if recent else {}

    def newest_diagnostics(self, node_name: str = SERVER_NODE) -> dict[str, DiagnosticStatus]:
        """Name -> status of the newest /diagnostics array that node_name published."""
        prefix = status_name(node_name, '')
        for _, array in reversed(list(self.diagnostics)):
            if array.status and all(s.name.startswith(prefix) for s in array.status):
                return {s.name: s for s in array.status}
        return {}

    def all_in_state(self, clients: Iterable[str], state: int, since: float = 0.0) -> bool:
        """Whether the newest status after `since` shows every given client in `state`."""
        states = self.lock_states(since)
        return all(states.get(client) == state for client in clients)

    def close(self) -> None:
        """Stop spinning and leave the ROS context."""
        self.executor.shutdown(timeout_sec=2.0)
        self._thread.join(timeout=5.0)
        for node in (self.truth, self.node):
            if node is not None:
                node.destroy_node()
        rclpy.try_shutdown()

    def __enter__(self) -> Probe:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
