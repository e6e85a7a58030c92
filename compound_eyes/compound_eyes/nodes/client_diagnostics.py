"""The client's /diagnostics: one status per camera and one for its publishing.

Names follow "<node name>: <task>"; the task carries the client id, because every client's
node has the same name in its own namespace. A camera's hardware_id is its camera_id. Each
camera reports its frame rate over the last period, the engine's drop, lateness and reconnect
counters, the stamp source and uncertainty of its newest frame and whether a phase delay
moves its exposure (a free-running camera's cannot be shifted, only which frame is taken).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from builtin_interfaces.msg import Time
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus

from compound_eyes.capture.records import CameraSpec, CameraStats, EngineStats, FrameSet
from compound_eyes.interfaces.schema import StampSource
from compound_eyes.nodes.diagnostic_status import counts_by_reason, diagnostic_status, status_name
from compound_eyes.nodes.publish_guard import Refusals

PERIOD_S = 1.0


def camera_task(client_id: str, channel_id: str) -> str:
    """Return the task of one camera's status."""
    return f'camera {client_id}/{channel_id}'


def publishing_task(client_id: str) -> str:
    """Return the task of the client's publishing status."""
    return f'publishing {client_id}'


@dataclass(frozen=True)
class CameraIdentity:
    """What a camera's status states once: its channel, camera_id and controllability."""

    channel_id: str
    camera_id: str
    controllable: bool


def camera_identities(specs: Sequence[CameraSpec]) -> list[CameraIdentity]:
    """Ask an unopened source of each spec whether a phase delay moves its exposure."""
    return [CameraIdentity(s.channel_id, s.camera_id, s.make_source().controllable)
            for s in specs]


@dataclass
class _Stamp:
    source: StampSource
    uncertainty_ns: int


class ClientDiagnostics:
    """Turns the engine's counters and the newest frames into DiagnosticArray messages.

    observe() runs in the publishing thread and build() in the node's timer: observe only
    replaces one dict entry per camera, which the timer reads whole.
    """

    def __init__(self, node_name: str, client_id: str,
                 cameras: Sequence[CameraIdentity]) -> None:
        self.node_name = node_name
        self.client_id = client_id
        self.cameras = list(cameras)
        self._stamps: dict[str, _Stamp] = {}
        self._previous: dict[str, CameraStats] = {}
        self._previous_s: float | None = None
        self._previous_refused = 0

    def observe(self, frame_set: FrameSet) -> None:
        """Remember the stamp source and uncertainty of each camera's newest frame."""
        for channel, record in frame_set.frames.items():
            self._stamps[channel] = _Stamp(record.stamp_source, int(record.uncertainty_ns))

    def build(self, stats: EngineStats, refusals: Refusals, now_s: float,
              stamp: Time) -> DiagnosticArray:
        """Return this period's statuses; now_s is a monotonic time in seconds."""
        elapsed_s = now_s - self._previous_s if self._previous_s is not None else 0.0
        array = DiagnosticArray()
        array.header.stamp = stamp
        for camera in self.cameras:
            current = stats.cameras.get(camera.channel_id, CameraStats(camera.channel_id))
            array.status.append(self._camera_status(camera, current, elapsed_s))
            self._previous[camera.channel_id] = current
        array.status.append(self._publishing_status(refusals))
        self._previous_s = now_s
        return array

    def _camera_status(self, camera: CameraIdentity, now: CameraStats,
                       elapsed_s: float) -> DiagnosticStatus:
        before = self._previous.get(camera.channel_id)
        frames = now.frames - before.frames if before else 0
        dropped = now.dropped - before.dropped if before else 0
        rate_hz = frames / elapsed_s if elapsed_s > 0 else 0.0
        stamp = self._stamps.get(camera.channel_id)
        if before is None:
            level, message = DiagnosticStatus.OK, 'starting'
        elif frames == 0:
            level = DiagnosticStatus.ERROR
            message = f'no frames for {elapsed_s:.1f} s' + (
                f': {now.last_error}' if now.last_error else '')
        else:
            level = DiagnosticStatus.WARN if dropped else DiagnosticStatus.OK
            message = f'{rate_hz:.1f} Hz, {dropped} dropped in {elapsed_s:.1f} s'
        if not camera.controllable:
            message += ' (free-running: phase not controllable)'
        return diagnostic_status(
            status_name(self.node_name, camera_task(self.client_id, camera.channel_id)),
            level, message, camera.camera_id,
            {'channel_id': camera.channel_id, 'rate_hz': f'{rate_hz:.2f}',
             'frames': now.frames, 'dropped': now.dropped, 'late': now.late,
             'overwritten': now.overwritten, 'reconnects': now.reconnects,
             'errors': now.errors, 'last_error': now.last_error,
             'stamp_source': stamp.source.name.lower() if stamp else '',
             'stamp_uncertainty_ns': stamp.uncertainty_ns if stamp else '',
             'controllable': camera.controllable, 'priority': now.priority})

    def _publishing_status(self, refusals: Refusals) -> DiagnosticStatus:
        new = refusals.total - self._previous_refused
        self._previous_refused = refusals.total
        level = DiagnosticStatus.WARN if new else DiagnosticStatus.OK
        message = (f'{new} publishes refused since the last report: {refusals.last_error}'
                   if new else f'publishing ({refusals.total} refused so far)')
        return diagnostic_status(
            status_name(self.node_name, publishing_task(self.client_id)), level, message,
            self.client_id,
            {'refused': refusals.total, 'last_error': refusals.last_error,
             **counts_by_reason('refused', refusals.per_topic)})
