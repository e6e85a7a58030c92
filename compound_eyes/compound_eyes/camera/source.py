"""The interface every camera backend implements, and the frame it returns."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from compound_eyes.clock.synced import SyncedClock
from compound_eyes.interfaces.schema import StampSource


class CameraError(RuntimeError):
    """A camera could not be opened or read; the capture worker reopens it with backoff."""


class MissingFrameError(CameraError):
    """No frame came for this tick, but the device still answers: counted, not reopened.

    A source raises plain CameraError instead once misses persist, so the worker reconnects.
    """


@dataclass
class CapturedFrame:
    """One frame as a source returns it; all times are on the synced wall clock in ns."""

    image: np.ndarray          # HxWx3 uint8 BGR, or HxW uint8 mono
    capture_ns: int            # best estimate of the exposure moment
    stamp_source: StampSource
    uncertainty_ns: int        # measured residual of the stamp mapping, 0 when exact
    read_start_ns: int
    read_end_ns: int
    sequence: int              # frame counter of the source


class CameraSource(Protocol):
    """A camera that can be opened, grabbed at a chosen moment, and closed.

    grab() is called right after the capture process reaches its target time: a triggered
    camera exposes then (a source that only starts the exposure and then waits for the frame
    calls leave_realtime() once it has fired); a free-running one returns its newest
    completed frame, stale buffered frames drained.
    """

    camera_id: str

    @property
    def controllable(self) -> bool:
        """Tell whether grabbing later exposes later, so a phase delay moves this camera."""

    def open(self) -> None:
        """Open the device; raise CameraError when it cannot be opened."""

    def grab(self, clock: SyncedClock) -> CapturedFrame:
        """Return the frame for this moment; raise CameraError on failure."""

    def close(self) -> None:
        """Release the device; safe to call twice."""


class FreeRunningSource(CameraSource, Protocol):
    """A camera on its own clock that can choose among its buffered frames by stamp.

    free_running tells whether this instance does (a synthetic 'freerun' camera, a live
    OpenCV device); only then does the capture process call grab_nearest() instead of grab().
    """

    free_running: bool

    def grab_nearest(self, clock: SyncedClock, target_ns: int) -> CapturedFrame:
        """Return the frame whose stamp is nearest target_ns (synced clock), older ones drained."""


class ControllableSource(CameraSource, Protocol):
    """A camera whose image controls (exposure, gain, ...) change while it captures."""

    def apply_controls(self, controls: Mapping[str, object]) -> list[str]:
        """Take new control values (also before open()); return those the device refused."""


def is_free_running(source: CameraSource) -> bool:
    """Tell whether a source picks its frames by stamp (see FreeRunningSource)."""
    return bool(getattr(source, 'free_running', False))


def stamps_on_arrival(source: CameraSource) -> bool:
    """Tell whether a source's driver thread takes the stamp when a frame's packets arrive.

    Such a thread (Aravis' stream) is started by open(); the capture process starts it at
    real-time priority, else every busy core on the host moves the stamp.
    """
    return bool(getattr(source, 'stamps_on_arrival', False))
