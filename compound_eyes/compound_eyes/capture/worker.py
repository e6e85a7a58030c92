"""The body of one camera's capture process: rendezvous, wait for the tick, grab, encode, ship.

Every tick the worker meets the others at the rendezvous, reads the tick's delay from the
cell the parent announced it in, sleeps until T_k + delay on the synced clock, grabs, encodes
in this process and writes the bytes into its shared-memory ring; the parent gets only a
small note. A free-running camera's slot of tick k picks the buffered frame whose stamp is
nearest T_(k-1) + its delay for tick k-1 and ships it for tick k-1: a period later, the
frames on both sides of that instant are in the driver's buffer. Camera errors close the
source and reopen it with exponential backoff while the loop keeps its rhythm; a missing
frame is only reported. After each tick, and after each (re)open, it applies the camera
controls the parent last wrote (capture/control_cell.py). A worker that falls behind skips
to the next reachable tick. It
ignores SIGINT and SIGTERM (the parent coordinates shutdown) and exits when the parent sets
the stop flag or disappears.
"""
from __future__ import annotations

import os
import time
from contextlib import nullcontext
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.sharedctypes import Synchronized

from compound_eyes.camera.source import (
    CameraError,
    CameraSource,
    CapturedFrame,
    ControllableSource,
    MissingFrameError,
    is_free_running,
    stamps_on_arrival,
)
from compound_eyes.capture.control_cell import ControlCell
from compound_eyes.capture.delay_cell import DelayCell
from compound_eyes.capture.priority import CapturePriority
from compound_eyes.capture.records import FREE_RUNNING, CameraSpec, FrameNote, WorkerEvent
from compound_eyes.capture.rendezvous import TickRendezvous
from compound_eyes.capture.schedule import TickSchedule, sleep_until
from compound_eyes.capture.shm_ring import FrameRing, RingSpec
from compound_eyes.clock.synced import SyncedClock
from compound_eyes.codec.image_codec import ImageFormat, encode
from compound_eyes.signals import ignore_stop_signals

RENDEZVOUS_MARGIN_NS = 2_000_000  # leave the rendezvous this early so a dead peer costs no tick


@dataclass
class WorkerJob:
    """Everything a capture process gets at spawn: picklable specs and shared cells."""

    party: int
    parties: int
    spec: CameraSpec
    ring: RingSpec
    rendezvous_name: str
    fps: float
    clock: SyncedClock
    image_format: ImageFormat
    delays: DelayCell
    heartbeat: Synchronized   # time.monotonic_ns() of the last sign of life
    reopens: Synchronized     # successful reopens, kept across respawns
    stop: Synchronized        # set to 1 by the parent
    conn: Connection
    backoff_initial_s: float
    backoff_max_s: float
    realtime_priority: int = 0
    controls: ControlCell | None = None   # live camera controls the parent changes


class _Camera:
    """A source that is reopened with exponential backoff after CameraError."""

    def __init__(self, job: WorkerJob, priority: CapturePriority) -> None:
        self._job = job
        self._priority = priority
        self._source: CameraSource | None = None
        self._failed = False
        self._backoff_s = job.backoff_initial_s
        self._retry_at = 0.0
        self._controls_seen = 0    # generation of the controls the open source has

    @property
    def is_open(self) -> bool:
        """Tell whether the source is open now."""
        return self._source is not None

    def open_if_due(self) -> bool:
        """Try to (re)open when the backoff has passed; tell whether the camera is open."""
        if self._source is not None:
            return True
        if time.monotonic() < self._retry_at:
            return False
        try:
            source = self._job.spec.make_source()
            with (self._priority.for_new_threads() if stamps_on_arrival(source)
                  else nullcontext()):
                source.open()
        except CameraError as error:
            self.fail(error)
            return False
        self._source = source
        self._controls_seen = 0
        if self._failed:
            self._job.reopens.value += 1
        self.follow_controls()
        return True

    def follow_controls(self) -> None:
        """Apply the controls the parent changed since the source last took them."""
        cell, source = self._job.controls, self._source
        if cell is None or source is None or cell.generation == self._controls_seen:
            return      # once per tick: unchanged controls cost one shared integer read
        generation, controls = cell.read()
        self._controls_seen = generation
        try:
            refused = _controllable(source).apply_controls(controls)
        except (CameraError, ValueError) as error:
            self.report(error)
            return
        if refused:
            self.report(CameraError(f'{source.camera_id}: the device refused '
                                    f'{", ".join(refused)}'))

    @property
    def free_running(self) -> bool:
        """Tell whether the open source picks its frames by stamp (see FreeRunningSource)."""
        return self._source is not None and is_free_running(self._source)

    def grab(self, clock: SyncedClock, target_ns: int | None = None) -> CapturedFrame:
        """Grab from the open source (by stamp when target_ns is given); success resets backoff."""
        frame = (self._source.grab(clock) if target_ns is None
                 else self._source.grab_nearest(clock, target_ns))
        self._failed = False
        self._backoff_s = self._job.backoff_initial_s
        return frame

    def fail(self, error: Exception) -> None:
        """Close the source, schedule the next attempt and tell the parent why."""
        self.close()
        self._failed = True
        self._retry_at = time.monotonic() + self._backoff_s
        self._backoff_s = min(self._backoff_s * 2, self._job.backoff_max_s)
        self.report(error)

    def report(self, error: Exception) -> None:
        """Tell the parent about an error; the source stays open."""
        self._job.conn.send(WorkerEvent('error', f'{type(error).__name__}: {error}'))

    def close(self) -> None:
        """Release the source, if open; its close errors no longer matter."""
        source, self._source = self._source, None
        if source is not None:
            try:
                source.close()
            except CameraError:
                pass


def run_worker(job: WorkerJob) -> None:
    """Capture until stopped; the multiprocessing target of every camera process."""
    ignore_stop_signals()
    priority = CapturePriority(job.realtime_priority)
    parent = os.getppid()
    ring = FrameRing.attach(job.ring)
    rendezvous = TickRendezvous.attach(job.rendezvous_name, job.parties)
    camera = _Camera(job, priority)
    try:
        _beat(job)
        job.conn.send(WorkerEvent('priority', priority.description))
        if camera.open_if_due():
            _ready(job, camera)
        _loop(job, camera, ring, rendezvous, parent, priority)
    finally:
        camera.close()
        ring.close()
        rendezvous.close()
        job.conn.close()


def _loop(job: WorkerJob, camera: _Camera, ring: FrameRing, rendezvous: TickRendezvous,
          parent: int, priority: CapturePriority) -> None:
    """Serve ticks until the stop flag is set or the parent is gone."""
    schedule, clock = TickSchedule(job.fps), job.clock
    tick = schedule.next_tick(clock.now_ns())
    while not job.stop.value and os.getppid() == parent:
        tick = max(tick, schedule.next_tick(clock.now_ns()))  # behind: skip, never backlog
        scheduled = schedule.scheduled_ns(tick)
        rendezvous.wait(job.party, tick, clock, scheduled - RENDEZVOUS_MARGIN_NS)
        _beat(job)
        was_open = camera.is_open
        if not camera.open_if_due():
            tick += 1
            continue
        if not was_open:
            _ready(job, camera)
            continue  # opening took time: take the next reachable tick
        delay = job.delays.delay_for(tick)
        label, target = tick, None
        if camera.free_running:
            label = tick - 1
            target = schedule.scheduled_ns(label) + job.delays.delay_for(label)
        try:
            priority.enter()
            sleep_until(clock, scheduled + delay)
            try:
                frame = camera.grab(clock, target)
            finally:
                priority.leave()
            encoded = encode(frame.image, job.image_format)
            ref = ring.write(encoded.data)
        except MissingFrameError as error:
            camera.report(error)
        except (CameraError, ValueError) as error:
            camera.fail(error)
        else:
            job.conn.send(FrameNote(
                label, ref.slot, ref.generation, ref.length, encoded.encoding, encoded.width,
                encoded.height, encoded.compressed, frame.capture_ns, int(frame.stamp_source),
                frame.uncertainty_ns, frame.read_start_ns, frame.read_end_ns, frame.sequence))
        camera.follow_controls()   # after the tick's frame, so a change never delays a grab
        tick += 1


def _controllable(source: CameraSource) -> ControllableSource:
    """Return source as one whose controls change; CameraError if its backend has none."""
    if not hasattr(source, 'apply_controls'):
        raise CameraError(f'{source.camera_id}: its controls cannot change while it runs')
    return source


def _ready(job: WorkerJob, camera: _Camera) -> None:
    """Tell the parent the camera is open, and whether its frames come one tick late."""
    job.conn.send(WorkerEvent('ready', FREE_RUNNING if camera.free_running else ''))


def _beat(job: WorkerJob) -> None:
    """Show the parent this process is not hung."""
    job.heartbeat.value = time.monotonic_ns()
