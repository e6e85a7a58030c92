"""The client node: runs the capture engine, publishes each tick's SyncedFrameSet and timing.

All timing work happens in the capture processes and the engine, which also owns the phase
delay; this node forwards PhaseDelay commands to the engine (with a rig key, only those whose
signature verifies), publishes its sets (and each camera's view of them,
nodes/camera_topics.py) and reports its clock and, on /diagnostics, its cameras, its
publishing and its commands (client_diagnostics, command_status_msg). Commands arrive on the
relative `phase_delay` topic, so in the client's namespace, where the server sends only this
client's; the engine still checks the client_id inside. The node takes their serialized bytes
and deserializes them itself, so bytes that are no PhaseDelay are counted instead of being
dropped unseen by a typed subscription; every command it could not use is counted by reason
for the commands status.
"""
from __future__ import annotations

import functools
import threading
import time
from collections.abc import Sequence

from compound_eyes_msgs.msg import ClockStatus, FrameSetTiming, PhaseDelay, SyncedFrameSet
from diagnostic_msgs.msg import DiagnosticArray
from rclpy.node import Node
from rclpy.serialization import deserialize_message

from compound_eyes.capture.delay_steering import DelayPolicy
from compound_eyes.capture.engine import CaptureEngine
from compound_eyes.clock.monitor import ClockMonitor
from compound_eyes.clock.synced import ClockErrorModel, SharedOffset, SyncedClock
from compound_eyes.config.capture_setup import camera_specs, image_format
from compound_eyes.config.channel_names import channel_names
from compound_eyes.config.client import ClientConfig
from compound_eyes.interfaces import schema
from compound_eyes.interfaces.stamps import ns_from_time, time_from_ns
from compound_eyes.nodes import client_diagnostics
from compound_eyes.nodes.camera_topics import CameraTopics
from compound_eyes.nodes.client_diagnostics import ClientDiagnostics, camera_identities
from compound_eyes.nodes.clock_status_msg import build_clock_status
from compound_eyes.nodes.command_status_msg import MALFORMED_COMMAND, command_status, no_refusals
from compound_eyes.nodes.dds_profile import use_large_frame_profile
from compound_eyes.nodes.frame_set_msg import build_frame_set, build_timing
from compound_eyes.nodes.lifecycle import run_until_signal
from compound_eyes.nodes.parameters import (
    declare_settings,
    follow_live_settings,
    parameter_source,
    params_files,
)
from compound_eyes.nodes.publish_guard import PublishGuard
from compound_eyes.nodes.qos import (
    COMMAND_QOS,
    STATUS_QOS,
    TIMING_QOS,
    image_qos,
    overridable_publisher,
)
from compound_eyes.phase.command_auth import CommandVerifier

NODE_NAME = 'compound_eyes_client'


def clock_error_model(config: ClientConfig, epoch_ns: int) -> ClockErrorModel:
    """Translate the simulation section into the clock error of this simulated host."""
    sim = config.simulation
    return ClockErrorModel(
        offset_ns=sim.clock_offset_ns,
        drift_ppm=sim.clock_drift_ppm,
        step_ns=sim.clock_step_ns,
        step_at_ns=epoch_ns + sim.clock_step_at_ns if sim.clock_step_ns else None,
        epoch_ns=epoch_ns,
    )


class ClientNode(Node):
    """Publishes synced frame sets and hands the server's phase delay commands to the engine."""

    def __init__(self, files: Sequence[str] = ()) -> None:
        """files: the parameter files on the command line, named in configuration errors."""
        super().__init__(NODE_NAME)
        source = parameter_source(self, files)
        self.config = declare_settings(self, ClientConfig, source)   # live: camera controls
        config = self.config
        self.clock = SyncedClock(SharedOffset(), clock_error_model(config, time.time_ns()))
        self.monitor = ClockMonitor(self.clock, list(config.ntp_servers),
                                    poll_interval_s=config.ntp_poll_interval_s)
        delay_policy = DelayPolicy(
            config.client_id, initial_ns=config.initial_delay_ns,
            max_slew_ns_per_tick=config.max_delay_slew_ns_per_tick)
        specs = camera_specs(config, source)
        self.engine = CaptureEngine(specs, config.fps, self.clock,
                                    image_format(config), set_deadline_ns=config.set_deadline_ns,
                                    delay_policy=delay_policy,
                                    realtime_priority=config.realtime_priority)
        images = image_qos(config.qos.reliability, config.qos.depth)
        self.full_pub = overridable_publisher(self, SyncedFrameSet, schema.SYNCED_FRAMES, images,
                                              source)
        self.names = channel_names(config)
        self.guard = PublishGuard(self.get_logger())
        self.camera_topics = CameraTopics(self, self.names, config, images, self.guard, source)
        self.timing_pub = overridable_publisher(self, FrameSetTiming,
                                                schema.SYNCED_FRAMES_TIMING, TIMING_QOS, source)
        self.clock_pub = overridable_publisher(self, ClockStatus, schema.CLOCK_STATUS, STATUS_QOS,
                                               source)
        self.verifier = CommandVerifier(config.command_keys)
        self.commands_refused = no_refusals()      # reason -> count (fixed texts: bounded)
        self._refused_reported = 0
        self.diag_pub = self.create_publisher(DiagnosticArray, schema.DIAGNOSTICS, STATUS_QOS)
        self.create_subscription(PhaseDelay, schema.PHASE_DELAY, self._on_phase_delay,
                                 COMMAND_QOS, raw=True)
        self.create_timer(1.0, self._publish_clock_status)
        self.diagnostics = ClientDiagnostics(self.get_name(), config.client_id,
                                             camera_identities(specs))
        self.create_timer(client_diagnostics.PERIOD_S, self._publish_diagnostics)
        self._stop = threading.Event()
        self._publisher_thread = threading.Thread(target=self._publish_sets, daemon=True)
        follow_live_settings(self, lambda: self.config, self._reconfigure, source,
                             vet=functools.partial(camera_specs, source=source))

    def start(self) -> None:
        """Start NTP polling, the capture processes and the publishing thread."""
        self.monitor.start()
        self.engine.start()
        self._publisher_thread.start()
        cameras = ', '.join(f'{c.channel_id}={c.camera_id}' for c in self.config.cameras)
        self.get_logger().info(
            f'client {self.config.client_id}: {len(self.config.cameras)} cameras ({cameras}) '
            f'at {self.config.fps:g} Hz, {self.config.image_format}')

    def shutdown(self) -> None:
        """Stop publishing, the capture processes and NTP polling; unlink shared memory."""
        self._stop.set()
        if self._publisher_thread.is_alive():
            self._publisher_thread.join(timeout=2.0)
        self.engine.stop()
        self.monitor.stop()

    def _reconfigure(self, config: ClientConfig) -> None:
        """Take changed live settings: each camera's controls go to its capture process."""
        old = {camera.channel_id: camera.controls for camera in self.config.cameras}
        self.config = config
        for camera in config.cameras:
            if camera.controls != old[camera.channel_id]:
                self.engine.set_controls(camera.channel_id, camera.controls)

    def _on_phase_delay(self, data: bytes) -> None:
        try:
            msg = deserialize_message(data, PhaseDelay)
        except RuntimeError as error:       # rclpy's RMWError: not a PhaseDelay
            self._refuse_command(MALFORMED_COMMAND,
                                 f'PhaseDelay bytes ({len(data)} bytes, {error})')
            return
        verdict = self.verifier.check(msg)
        if verdict:
            verdict = self.engine.offer_delay_command(
                msg.client_id, msg.tick_period_ns, msg.delay_ns, msg.sequence,
                ns_from_time(msg.expires), msg.channel_ids, msg.channel_delays_ns)
        if not verdict:
            self._refuse_command(verdict.value, f'PhaseDelay seq {msg.sequence}')

    def _refuse_command(self, reason: str, what: str) -> None:
        """Count a command the client cannot use and log it (throttled)."""
        self.commands_refused[reason] += 1
        self.get_logger().warning(f'ignored {what}: {reason}', throttle_duration_sec=5.0)

    def _publish_sets(self) -> None:
        config = self.config
        while not self._stop.is_set():
            frame_set = self.engine.next_set(timeout=0.2)
            if frame_set is None:
                continue
            common = dict(client_id=config.client_id, period_ns=config.period_ns,
                          clock_offset_ns=self.clock.offset.get())
            self.diagnostics.observe(frame_set)
            self.guard.publish(self.timing_pub, build_timing(frame_set, **common))
            if config.publish_images:
                self.guard.publish(self.full_pub,
                                   build_frame_set(frame_set, **common, names=self.names))
            self.camera_topics.publish(frame_set)

    def _publish_clock_status(self) -> None:
        self.clock_pub.publish(build_clock_status(self.monitor.status(), self.config.client_id,
                                                  self.clock.now_ns()))

    def _publish_diagnostics(self) -> None:
        array = self.diagnostics.build(self.engine.stats(), self.guard.refusals(),
                                       time.monotonic(), time_from_ns(self.clock.now_ns()))
        refused = dict(self.commands_refused)
        array.status.append(command_status(self.get_name(), self.config.client_id,
                                           self.verifier, refused, self._refused_reported))
        self._refused_reported = sum(refused.values())
        self.diag_pub.publish(array)


def main(argv: list[str] | None = None) -> int:
    """Run the client node until SIGINT/SIGTERM; configuration errors exit 2."""
    use_large_frame_profile()
    return run_until_signal('client', argv, functools.partial(ClientNode, params_files(argv)),
                            ClientNode.start, ClientNode.shutdown)
