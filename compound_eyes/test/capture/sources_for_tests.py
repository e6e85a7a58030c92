"""A real CameraSource for the engine tests, steered through marker files across processes."""
from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from compound_eyes.camera.source import CameraError, CapturedFrame, StampSource
from compound_eyes.clock.synced import SyncedClock


class PatternSource:
    """Frames of a constant gray level; fails while `fail_file` exists, hangs once on `hang_file`.

    The hang marker is removed before hanging, so the respawned worker captures normally.
    """

    def __init__(self, camera_id: str, width: int = 160, height: int = 120,
                 control_dir: str | None = None) -> None:
        self.camera_id = camera_id
        self._shape = (height, width, 3)
        self._control = Path(control_dir) if control_dir else None
        self._sequence = 0
        self._open = False

    def _marker(self, kind: str) -> Path | None:
        return self._control / f'{self.camera_id}.{kind}' if self._control else None

    def _failing(self) -> bool:
        marker = self._marker('fail')
        return marker is not None and marker.exists()

    def open(self) -> None:
        if self._failing():
            raise CameraError(f'{self.camera_id} unplugged')
        self._open = True

    def grab(self, clock: SyncedClock) -> CapturedFrame:
        start = clock.now_ns()
        if not self._open or self._failing():
            raise CameraError(f'{self.camera_id} read failed')
        hang = self._marker('hang')
        if hang is not None and hang.exists():
            hang.unlink()
            while True:
                time.sleep(3600)
        self._sequence += 1
        image = np.full(self._shape, self._sequence % 256, np.uint8)
        end = clock.now_ns()
        return CapturedFrame(image, start, StampSource.READ_RETURN, 0, start, end, self._sequence)

    def close(self) -> None:
        self._open = False
