"""Keeps one capture process per camera alive: spawn, heartbeat watch, retire, respawn.

Workers are started with the spawn method (or forkserver) because the parent hosts rclpy/DDS
threads, and a forked copy of those would be unusable. A process that died, or whose
heartbeat stopped for hang_timeout_s (startup_timeout_s before its first beat), is killed and
started again after a backoff that doubles with each respawn, while the other cameras keep
capturing. What a retired worker left in its pipe is still handed to the collector.
"""
from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext

from compound_eyes.capture.records import CameraSpec
from compound_eyes.capture.shm_ring import FrameRing
from compound_eyes.capture.worker import WorkerJob, run_worker
from compound_eyes.signals import stop_signals_blocked

MAX_BACKOFF_DOUBLINGS = 16


class WorkerHandle:
    """The parent's handle on one camera's process, ring, pipe and shared counters."""

    def __init__(self, party: int, spec: CameraSpec, ring: FrameRing,
                 context: BaseContext) -> None:
        self.party = party
        self.spec = spec
        self.ring = ring
        self.heartbeat = context.Value('q', 0, lock=False)
        self.reopens = context.Value('q', 0, lock=False)
        self.process: multiprocessing.process.BaseProcess | None = None
        self.conn: Connection | None = None
        self.started_s = 0.0
        self.respawn_at_s = 0.0
        self.respawns = 0
        self.ready = False   # guarded by the engine's lock


class WorkerSupervisor:
    """Spawns, watches and respawns the workers of `handles`; used from one thread at a time.

    job_for(handle, writer) builds the job of a (re)spawned worker; drain(handle) reads what
    a worker left in its pipe until the pipe is closed.
    """

    def __init__(self, handles: list[WorkerHandle], context: BaseContext,
                 job_for: Callable[[WorkerHandle, Connection], WorkerJob],
                 drain: Callable[[WorkerHandle], None], *, hang_timeout_s: float,
                 startup_timeout_s: float, backoff_initial_s: float,
                 backoff_max_s: float) -> None:
        self.handles = handles
        self._context = context
        self._job_for = job_for
        self._drain = drain
        self._hang_timeout_s = hang_timeout_s
        self._startup_timeout_s = startup_timeout_s
        self._backoff = (backoff_initial_s, backoff_max_s)

    def spawn(self, handle: WorkerHandle) -> None:
        """Start (or restart) a worker process with a fresh pipe."""
        reader, writer = self._context.Pipe(duplex=False)
        handle.heartbeat.value = 0
        process = self._context.Process(target=run_worker, args=(self._job_for(handle, writer),),
                                        daemon=True, name=f'capture-{handle.spec.channel_id}')
        with stop_signals_blocked():   # a starting worker cannot be killed by the group's Ctrl-C
            process.start()
        writer.close()
        handle.process, handle.conn, handle.started_s = process, reader, time.monotonic()

    def supervise(self, respawn: bool) -> list[tuple[WorkerHandle, str]]:
        """Retire hung and dead workers, respawn due ones; return (handle, why) per retiree."""
        now = time.monotonic()
        retired = []
        for handle in self.handles:
            if handle.process is None:
                if respawn and now >= handle.respawn_at_s:
                    self.spawn(handle)
                continue
            beat = handle.heartbeat.value / 1e9
            if beat:
                hung = now > beat + self._hang_timeout_s
            else:
                hung = now > handle.started_s + self._startup_timeout_s
            if handle.process.is_alive() and not hung:
                continue
            reason = 'hung' if hung else f'exited with code {handle.process.exitcode}'
            self.retire(handle)
            handle.respawns += 1
            initial, maximum = self._backoff
            doublings = min(handle.respawns - 1, MAX_BACKOFF_DOUBLINGS)
            handle.respawn_at_s = now + min(maximum, initial * 2 ** doublings)
            retired.append((handle, reason))
        return retired

    def retire(self, handle: WorkerHandle) -> None:
        """Kill a worker if still alive, and hand on what it left in its pipe."""
        if handle.process.is_alive():
            handle.process.kill()
        handle.process.join()
        handle.process.close()
        handle.process = None
        self._drain(handle)

    def stop(self, grace_s: float) -> None:
        """Give every worker grace_s in total to leave (the stop flag is set), then retire it."""
        deadline = time.monotonic() + grace_s
        for handle in self.handles:
            if handle.process is not None:
                handle.process.join(max(0.0, deadline - time.monotonic()))
                self.retire(handle)

    def pids(self) -> dict[str, int | None]:
        """Return each channel's current worker pid (None while it is being respawned)."""
        return {h.spec.channel_id: h.process.pid if h.process else None for h in self.handles}
