"""The parent side of capture: one process per camera, one FrameSet per tick, one delay.

A collector thread in the parent copies frames out of the shared-memory rings and emits one
FrameSet per tick (complete or at its deadline); between frames it advances the phase delay
by one slew step per tick (DelaySteering) and lets the WorkerSupervisor heal dead or hung
workers. The engine owns the delay: commands go in through offer_delay_command(), and each
set carries the delay record of its tick. The parent creates and unlinks every
shared-memory segment, on stop() and at interpreter exit; it installs no signal handlers,
that is the job of the process's entry point (compound_eyes.signals).
"""
from __future__ import annotations

import atexit
import copy
import multiprocessing
import queue
import threading
from collections.abc import Mapping, Sequence
from multiprocessing.connection import Connection, wait

from compound_eyes.camera.source import StampSource
from compound_eyes.capture.assembler import SetAssembler
from compound_eyes.capture.control_cell import ControlCell
from compound_eyes.capture.delay_steering import DelayPolicy, DelaySteering
from compound_eyes.capture.records import (
    FREE_RUNNING,
    CameraSpec,
    CameraStats,
    EngineStats,
    FrameNote,
    FrameRecord,
    FrameSet,
    WorkerEvent,
)
from compound_eyes.capture.rendezvous import TickRendezvous
from compound_eyes.capture.schedule import TickSchedule
from compound_eyes.capture.shm_ring import FrameRing, SlotRef
from compound_eyes.capture.supervisor import WorkerHandle, WorkerSupervisor
from compound_eyes.capture.worker import WorkerJob
from compound_eyes.clock.synced import SyncedClock
from compound_eyes.codec.image_codec import ImageFormat
from compound_eyes.phase.command_filter import OfferVerdict

SUPERVISE_S = 0.01   # the collector looks at the delay and the heartbeats at least this often
STOP_GRACE_S = 2.0   # a worker gets this long to leave its loop before it is killed


class CaptureEngine:
    """Synchronized capture from many cameras; see docs/capture.md.

    set_deadline_ns: how long after T_k + delay a set waits for stragglers (default: a period).
    delay_policy: whose PhaseDelay commands steer the delay, its start and its slew limit.
    hang_timeout_s: silence after which a worker is killed and respawned (default 2 s or ten
    periods, whichever is longer); startup_timeout_s covers spawning and the first open.
    realtime_priority > 0 asks for SCHED_FIFO in the workers (see capture/priority.py).
    """

    def __init__(self, cameras: list[CameraSpec], fps: float, clock: SyncedClock | None = None,
                 image_format: ImageFormat | None = None, set_deadline_ns: int | None = None,
                 *, delay_policy: DelayPolicy | None = None, ring_slots: int = 4,
                 hang_timeout_s: float | None = None, startup_timeout_s: float = 30.0,
                 backoff_initial_s: float = 0.1, backoff_max_s: float = 2.0,
                 max_queued_sets: int = 64, start_method: str = 'spawn',
                 realtime_priority: int = 0) -> None:
        if not cameras:
            raise ValueError('cameras must list at least one CameraSpec')
        channels = [spec.channel_id for spec in cameras]
        duplicates = sorted({c for c in channels if channels.count(c) > 1})
        if duplicates:
            raise ValueError(f'camera channel_id must be unique, repeated: {duplicates}')
        if start_method not in ('spawn', 'forkserver'):
            raise ValueError(f"start_method must be 'spawn' or 'forkserver', got "
                             f'{start_method!r}: the parent hosts threads, so no fork')
        self.schedule = TickSchedule(fps)
        self.clock = clock if clock is not None else SyncedClock()
        self.image_format = image_format if image_format is not None else ImageFormat()
        self.set_deadline_ns = self.schedule.period_ns if set_deadline_ns is None \
            else set_deadline_ns
        if self.set_deadline_ns <= 0:
            raise ValueError(f'set_deadline_ns must be positive, got {set_deadline_ns!r}')
        self.hang_timeout_s = hang_timeout_s if hang_timeout_s is not None \
            else max(2.0, 10 * self.schedule.period_ns / 1e9)
        self._specs = list(cameras)
        self.realtime_priority = realtime_priority
        self._ring_slots = ring_slots
        self._startup_timeout_s = startup_timeout_s
        self._backoff = (backoff_initial_s, backoff_max_s)
        self._context = multiprocessing.get_context(start_method)
        self._delays = DelaySteering(delay_policy or DelayPolicy(), self.schedule, self.clock,
                                     channels, self._context)
        self._stop_flag = self._context.Value('b', 0, lock=False)
        self._controls = {channel: ControlCell(self._context) for channel in channels}
        self._stats = EngineStats(cameras={c: CameraStats(c) for c in channels})
        self._assembler = SetAssembler(channels, self.schedule, self.set_deadline_ns,
                                       self._delays, self._stats.cameras)
        self._lock = threading.Lock()
        self._ready = threading.Condition(self._lock)
        self._out: queue.Queue[FrameSet] = queue.Queue(max_queued_sets)
        self._supervisor: WorkerSupervisor | None = None
        self._rendezvous: TickRendezvous | None = None
        self._thread: threading.Thread | None = None
        self._running = False

    @property
    def period_ns(self) -> int:
        """Return the tick period in nanoseconds."""
        return self.schedule.period_ns

    def start(self) -> CaptureEngine:
        """Create the shared memory, spawn the workers and start collecting."""
        if self._running:
            raise RuntimeError('capture engine already started')
        self._running = True
        atexit.register(self.stop)
        handles: list[WorkerHandle] = []
        self._supervisor = WorkerSupervisor(
            handles, self._context, self._job_for, self._drain,
            hang_timeout_s=self.hang_timeout_s, startup_timeout_s=self._startup_timeout_s,
            backoff_initial_s=self._backoff[0], backoff_max_s=self._backoff[1])
        try:
            self._rendezvous = TickRendezvous.create(len(self._specs))
            for party, spec in enumerate(self._specs):
                ring = FrameRing.create(f'ring{party}', self._ring_slots,
                                        self.image_format.max_bytes(spec.max_width,
                                                                    spec.max_height))
                handles.append(WorkerHandle(party, spec, ring, self._context))
            for handle in handles:
                self._supervisor.spawn(handle)
        except BaseException:
            self.stop()
            raise
        self._thread = threading.Thread(target=self._collect, name='capture-collector',
                                        daemon=True)
        self._thread.start()
        return self

    def __enter__(self) -> CaptureEngine:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def wait_ready(self, timeout: float) -> bool:
        """Wait until every camera has opened once; False on timeout."""
        with self._ready:
            return self._ready.wait_for(lambda: all(h.ready for h in self._handles()), timeout)

    def next_set(self, timeout: float | None = None) -> FrameSet | None:
        """Return the next set in tick order, or None when none came within timeout."""
        try:
            return self._out.get(timeout=timeout)
        except queue.Empty:
            return None

    def offer_delay_command(self, client_id: str, tick_period_ns: object, delay_ns: object,
                            sequence: object, expires_ns: object,
                            channel_ids: Sequence[object] = (),
                            channel_delays_ns: Sequence[object] = ()) -> OfferVerdict:
        """Vet a PhaseDelay command, fields as received; the delays slew to an accepted one.

        Any thread may call this; each channel's delay moves one bounded step per tick and
        reaches its worker ahead of the tick it applies to. Channels the command does not
        name take delay_ns.
        """
        return self._delays.offer(client_id, tick_period_ns, delay_ns, sequence, expires_ns,
                                  channel_ids, channel_delays_ns)

    def set_controls(self, channel_id: str, controls: Mapping[str, object]) -> None:
        """Hand a channel's live controls (exposure_us, gain, ...) to its capture process.

        The worker applies them after its current tick, and again whenever it reopens the
        camera or is respawned; a device's refusal shows in the channel's last_error.
        """
        self._controls[channel_id].write(controls)

    def stats(self) -> EngineStats:
        """Return a snapshot of the counters."""
        with self._lock:
            return copy.deepcopy(self._stats)

    def worker_pids(self) -> dict[str, int | None]:
        """Return each channel's current worker pid (None while it is being respawned)."""
        with self._lock:
            return self._supervisor.pids() if self._supervisor else {}

    def stop(self) -> None:
        """Stop the workers, kill the ones that do not leave, unlink all shared memory."""
        if not self._running:
            return
        self._running = False
        atexit.unregister(self.stop)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        self._stop_flag.value = 1
        self._supervisor.stop(STOP_GRACE_S + self.period_ns / 1e9)
        for handle in self._handles():
            handle.ring.close()
        if self._rendezvous is not None:
            self._rendezvous.close()

    def _handles(self) -> list[WorkerHandle]:
        return self._supervisor.handles if self._supervisor else []

    def _job_for(self, handle: WorkerHandle, writer: Connection) -> WorkerJob:
        """Return what a (re)spawned worker gets."""
        return WorkerJob(
            handle.party, len(self._specs), handle.spec, handle.ring.spec,
            self._rendezvous.name, self.schedule.fps, self.clock, self.image_format,
            self._delays.cells[handle.spec.channel_id], handle.heartbeat, handle.reopens,
            self._stop_flag, writer,
            *self._backoff, self.realtime_priority, self._controls[handle.spec.channel_id])

    def _collect(self) -> None:
        """Collector thread: advance the delay, receive notes, emit due sets, supervise."""
        while self._running:
            self._delays.advance()
            conns = {h.conn: h for h in self._handles() if h.conn is not None}
            for conn in wait(list(conns), self._wait_s()):
                self._receive(conns[conn], True)
            with self._lock:
                for handle in self._handles():
                    stats = self._stats.cameras[handle.spec.channel_id]
                    stats.reopens = handle.reopens.value
                sets = self._assembler.due(self.clock.now_ns())
            for frame_set in sets:
                self._publish(frame_set)
            retired = self._supervisor.supervise(respawn=self._running)
            with self._lock:
                for handle, reason in retired:
                    stats = self._stats.cameras[handle.spec.channel_id]
                    stats.respawns = handle.respawns
                    stats.last_error = f'worker {reason}; respawning'
                    handle.ready = False

    def _wait_s(self) -> float:
        """Return how long the collector may block: until the next deadline, bounded."""
        with self._lock:
            deadline = self._assembler.next_deadline()
        if deadline is None:
            return SUPERVISE_S
        return min(SUPERVISE_S, max(0.0, (deadline - self.clock.now_ns()) / 1e9))

    def _drain(self, handle: WorkerHandle) -> None:
        """Read what a retired worker left in its pipe, until the pipe is closed."""
        while handle.conn is not None:
            self._receive(handle, handle.conn.poll())

    def _receive(self, handle: WorkerHandle, readable: bool) -> None:
        """Handle one message from a worker; a closed pipe is dropped (supervision respawns)."""
        try:
            if not readable:
                raise EOFError
            note = handle.conn.recv()
        except (EOFError, OSError):
            handle.conn.close()
            handle.conn = None
            return
        channel = handle.spec.channel_id
        if isinstance(note, FrameNote):
            self._accept_frame(handle, note)
        elif isinstance(note, WorkerEvent):
            with self._lock:
                if note.kind == 'ready':
                    handle.ready = True
                    self._assembler.set_free_running(channel, note.detail == FREE_RUNNING)
                    self._ready.notify_all()
                elif note.kind == 'priority':
                    self._stats.cameras[channel].priority = note.detail
                else:
                    self._stats.cameras[channel].errors += 1
                    self._stats.cameras[channel].last_error = note.detail

    def _accept_frame(self, handle: WorkerHandle, note: FrameNote) -> None:
        """Copy a frame out of the ring and hand it to the assembler."""
        data = handle.ring.read(SlotRef(note.slot, note.generation, note.length))
        channel = handle.spec.channel_id
        with self._lock:
            if data is None:
                self._stats.cameras[channel].overwritten += 1
                return
            self._assembler.add(note.tick, FrameRecord(
                channel, handle.spec.camera_id, data, note.encoding, note.width, note.height,
                note.compressed, note.capture_ns, StampSource(note.stamp_source),
                note.uncertainty_ns, note.read_start_ns, note.read_end_ns, note.sequence))

    def _publish(self, frame_set: FrameSet) -> None:
        """Queue a set for next_set(); when nobody consumes, the oldest set gives way."""
        with self._lock:
            self._stats.sets_emitted += 1
            self._stats.sets_complete += frame_set.complete
        while True:
            try:
                self._out.put_nowait(frame_set)
                return
            except queue.Full:
                try:
                    self._out.get_nowait()
                except queue.Empty:
                    continue
                with self._lock:
                    self._stats.sets_discarded += 1
