"""A one-line progress display on stderr for long exports and reports."""
from __future__ import annotations

import sys
import time


class Progress:
    """Rewrite one stderr line at most every interval seconds; finish with a newline."""

    def __init__(self, label: str, total: int | None, interval: float = 0.5) -> None:
        self.label = label
        self.total = total
        self.interval = interval
        self.done = 0
        self._last = 0.0

    def step(self, count: int = 1) -> None:
        """Count processed items and redraw when the interval has passed."""
        self.done += count
        now = time.monotonic()
        if now - self._last >= self.interval:
            self._last = now
            self._draw()

    def finish(self) -> None:
        """Draw the final count and end the line."""
        self._draw()
        sys.stderr.write('\n')
        sys.stderr.flush()

    def _draw(self) -> None:
        if self.total:
            share = min(100.0, 100.0 * self.done / self.total)
            text = f'{self.label}: {self.done}/{self.total} messages ({share:.0f}%)'
        else:
            text = f'{self.label}: {self.done} messages'
        sys.stderr.write('\r' + text)
        sys.stderr.flush()
