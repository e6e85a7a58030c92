"""The parent side of capture: spawns one process per camera, assembles sets, heals faults.

Workers are started with the spawn method because the parent hosts rclpy/DDS threads, and a
forked copy of those would be unusable. A collector thread in the parent copies frames out of
the shared-memory rings, emits one FrameSet per tick (complete or at its deadline), and
supervises the workers: a process that died or whose heartbeat stopped is killed and
respawned with backoff, while the others keep capturing. The parent creates and unlinks every
shared-memory segment, on stop(), at interpreter exit and on SIGTERM.
"""
from __future__ import annotations

import atexit
import copy
import multiprocessing
import queue
import signal
import threading
import time
from multiprocessing.connection import Connection, wait

from compound_eyes.camera.source import StampSource
from compound_eyes.capture.assembler import SetAssembler
from compound_eyes.capture.phase import PhaseDelayCell, PhaseHistory
from compound_eyes.capture.records import (
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
from compound_eyes.capture.worker import WorkerJob, run_worker
from compound_eyes.clock.synced import SyncedClock
from compound_eyes.codec.image_codec import ImageFormat

SUPERVISE_S = 0.01   # the collector looks at heartbeats at least this often
STOP_GRACE_S = 2.0   # a worker gets this long to leave its loop before it is killed


class _Worker:
    """The parent's handle on one camera's process, ring and shared counters."""

    def __init__(self, party: int, spec: CameraSpec, ring: FrameRing,
                 context: multiprocessing.context.BaseContext) -> None:
        self.party = party
        self.spec = spec
        self.ring = ring
        self.heartbeat = context.Value('q', 0, lock=False)
        self.reopens = context.Value('q', 0, lock=False)
        self.process: multiprocessing.process.BaseProcess | None = None
        self.conn: Connection | None = None
        self.started_s = 0.0
        self.respawn_at_s = 0.0
        self.ready = False


class CaptureEngine:
    """Synchronized capture from many cameras; see docs/capture.md.

    set_deadline_ns: how long after T_k + delay a set waits for stragglers (default: a period).
    hang_timeout_s: silence after which a worker is killed and respawned (default 2 s or ten
    periods, whichever is longer); startup_timeout_s covers spawning and the first open.
    realtime_priority > 0 asks for SCHED_FIFO in the workers (see capture/priority.py).
    """

    def __init__(self, cameras: list[CameraSpec], fps: float, clock: SyncedClock | None = None,
                 image_format: ImageFormat | None = None, set_deadline_ns: int | None = None,
                 *, ring_slots: int = 4, hang_timeout_s: float | None = None,
                 startup_timeout_s: float = 30.0, backoff_initial_s: float = 0.1,
                 backoff_max_s: float = 2.0, max_queued_sets: int = 64,
                 start_method: str = 'spawn', realtime_priority: int = 0) -> None:
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
        self._phase = PhaseDelayCell(self._context)
        self._history = PhaseHistory()
        self._stop_flag = self._context.Value('b', 0, lock=False)
        self._stats = EngineStats(cameras={c: CameraStats(c) for c in channels})
        self._assembler = SetAssembler(channels, self.schedule, self.set_deadline_ns,
                                       self._history, self._stats.cameras)
        self._lock = threading.Lock()
        self._ready = threading.Condition(self._lock)
        self._out: queue.Queue[FrameSet] = queue.Queue(max_queued_sets)
        self._workers: list[_Worker] = []
        self._rendezvous: TickRendezvous | None = None
        self._thread: threading.Thread | None = None
        self._running = False
        self._previous_sigterm = None

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
        self._install_sigterm()
        try:
            self._rendezvous = TickRendezvous.create(len(self._specs))
            for party, spec in enumerate(self._specs):
                ring = FrameRing.create(f'ring{party}', self._ring_slots,
                                        self.image_format.max_bytes(spec.max_width,
                                                                    spec.max_height))
                self._workers.append(_Worker(party, spec, ring, self._context))
            for worker in self._workers:
                self._spawn(worker)
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
            return self._ready.wait_for(lambda: all(w.ready for w in self._workers), timeout)

    def next_set(self, timeout: float | None = None) -> FrameSet | None:
        """Return the next set in tick order, or None when none came within timeout."""
        try:
            return self._out.get(timeout=timeout)
        except queue.Empty:
            return None

    def set_phase_delay(self, delay_ns: int, sequence: int = 0) -> int:
        """Apply delay_ns after the rendezvous from two ticks on; return the first such tick."""
        if isinstance(delay_ns, bool) or not isinstance(delay_ns, int) or not (
                0 <= delay_ns < self.period_ns):
            raise ValueError(f'delay_ns must be an integer in [0, {self.period_ns}), '
                             f'got {delay_ns!r}')
        with self._lock:
            from_tick = self._phase.set(delay_ns, self.schedule.tick_of(self.clock.now_ns()))
            self._history.add(from_tick, delay_ns, sequence)
        return from_tick

    def stats(self) -> EngineStats:
        """Return a snapshot of the counters."""
        with self._lock:
            return copy.deepcopy(self._stats)

    def worker_pids(self) -> dict[str, int | None]:
        """Return each channel's current worker pid (None while it is being respawned)."""
        with self._lock:
            return {w.spec.channel_id: w.process.pid if w.process else None
                    for w in self._workers}

    def stop(self) -> None:
        """Stop the workers, kill the ones that do not leave, unlink all shared memory."""
        if not self._running:
            return
        self._running = False
        atexit.unregister(self.stop)
        self._restore_sigterm()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()
        self._stop_flag.value = 1
        deadline = time.monotonic() + STOP_GRACE_S + self.period_ns / 1e9
        for worker in self._workers:
            if worker.process is not None:
                worker.process.join(max(0.0, deadline - time.monotonic()))
                self._retire(worker)
            worker.ring.close()
        if self._rendezvous is not None:
            self._rendezvous.close()

    def _spawn(self, worker: _Worker) -> None:
        """Start (or restart) a worker process with a fresh pipe."""
        reader, writer = self._context.Pipe(duplex=False)
        worker.heartbeat.value = 0
        job = WorkerJob(
            worker.party, len(self._workers), worker.spec, worker.ring.spec,
            self._rendezvous.name, self.schedule.fps, self.clock, self.image_format,
            self._phase, worker.heartbeat, worker.reopens, self._stop_flag, writer,
            *self._backoff, self.realtime_priority)
        process = self._context.Process(target=run_worker, args=(job,), daemon=True,
                                        name=f'capture-{worker.spec.channel_id}')
        process.start()
        writer.close()
        worker.process, worker.conn, worker.started_s = process, reader, time.monotonic()

    def _retire(self, worker: _Worker) -> None:
        """Kill a worker if still alive, and read what it left in its pipe."""
        if worker.process.is_alive():
            worker.process.kill()
        worker.process.join()
        worker.process.close()
        worker.process = None
        while worker.conn is not None:
            self._receive(worker, worker.conn.poll())

    def _collect(self) -> None:
        """Collector thread: receive notes, emit due sets, supervise workers."""
        while self._running:
            conns = {w.conn: w for w in self._workers if w.conn is not None}
            for conn in wait(list(conns), self._wait_s()):
                self._receive(conns[conn], True)
            with self._lock:
                for worker in self._workers:
                    self._stats.cameras[worker.spec.channel_id].reopens = worker.reopens.value
                sets = self._assembler.due(self.clock.now_ns())
            for frame_set in sets:
                self._publish(frame_set)
            self._supervise()

    def _wait_s(self) -> float:
        """Return how long the collector may block: until the next deadline, bounded."""
        with self._lock:
            deadline = self._assembler.next_deadline()
        if deadline is None:
            return SUPERVISE_S
        return min(SUPERVISE_S, max(0.0, (deadline - self.clock.now_ns()) / 1e9))

    def _receive(self, worker: _Worker, readable: bool) -> None:
        """Handle one message from a worker; a closed pipe is dropped (supervision respawns)."""
        try:
            if not readable:
                raise EOFError
            note = worker.conn.recv()
        except (EOFError, OSError):
            worker.conn.close()
            worker.conn = None
            return
        channel = worker.spec.channel_id
        if isinstance(note, FrameNote):
            self._accept_frame(worker, note)
        elif isinstance(note, WorkerEvent):
            with self._lock:
                if note.kind == 'ready':
                    worker.ready = True
                    self._ready.notify_all()
                elif note.kind == 'priority':
                    self._stats.cameras[channel].priority = note.detail
                else:
                    self._stats.cameras[channel].errors += 1
                    self._stats.cameras[channel].last_error = note.detail

    def _accept_frame(self, worker: _Worker, note: FrameNote) -> None:
        """Copy a frame out of the ring and hand it to the assembler."""
        data = worker.ring.read(SlotRef(note.slot, note.generation, note.length))
        channel = worker.spec.channel_id
        with self._lock:
            if data is None:
                self._stats.cameras[channel].overwritten += 1
                return
            self._assembler.add(note.tick, FrameRecord(
                channel, worker.spec.camera_id, data, note.encoding, note.width, note.height,
                note.compressed, note.capture_ns, StampSource(note.stamp_source),
                note.uncertainty_ns, note.read_start_ns, note.read_end_ns, note.sequence,
                note.phase_delay_ns))

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

    def _supervise(self) -> None:
        """Kill hung workers, notice dead ones, respawn them after a growing backoff."""
        now = time.monotonic()
        initial, maximum = self._backoff
        for worker in self._workers:
            if worker.process is None:
                if now >= worker.respawn_at_s and self._running:
                    self._spawn(worker)
                continue
            beat = worker.heartbeat.value / 1e9
            if beat:
                hung = now > beat + self.hang_timeout_s
            else:
                hung = now > worker.started_s + self._startup_timeout_s
            if worker.process.is_alive() and not hung:
                continue
            reason = 'hung' if hung else f'exited with code {worker.process.exitcode}'
            self._retire(worker)
            with self._lock:
                stats = self._stats.cameras[worker.spec.channel_id]
                stats.respawns += 1
                stats.last_error = f'worker {reason}; respawning'
                worker.ready = False
            backoff = min(maximum, initial * 2 ** min(stats.respawns - 1, 16))
            worker.respawn_at_s = now + backoff

    def _install_sigterm(self) -> None:
        """Turn SIGTERM into SystemExit so atexit stops the engine (main thread, default only)."""
        if threading.current_thread() is not threading.main_thread():
            return
        if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            self._previous_sigterm = signal.signal(signal.SIGTERM, _exit_on_sigterm)

    def _restore_sigterm(self) -> None:
        """Put back the default SIGTERM action if this engine replaced it."""
        if self._previous_sigterm is not None and \
                threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self._previous_sigterm)
            self._previous_sigterm = None


def _exit_on_sigterm(signum: int, frame: object) -> None:
    """Unwind the main thread like SIGINT does, so cleanup handlers run."""
    raise SystemExit(128 + signum)
