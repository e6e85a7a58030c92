"""A fixed-size ring of per-set samples, so window statistics never grow with uptime."""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np


class SampleWindow:
    """The newest `size` rows of `columns` float samples, in arrival order on read."""

    def __init__(self, size: int, columns: int) -> None:
        if size < 1 or columns < 1:
            raise ValueError('window size and column count must be positive')
        self._data = np.zeros((size, columns), dtype=np.float64)
        self._next = 0
        self.count = 0

    def push(self, row: Sequence[float]) -> None:
        """Append one row, overwriting the oldest when full."""
        self._data[self._next] = row
        self._next = (self._next + 1) % len(self._data)
        self.count = min(self.count + 1, len(self._data))

    def clear(self) -> None:
        """Forget every sample (used when a client re-acquires)."""
        self._next = 0
        self.count = 0

    def column(self, index: int) -> np.ndarray:
        """Return one column of the held rows in storage order, as a view.

        For statistics that do not depend on the order (extremes), without rows()' copy.
        """
        return self._data[:self.count, index]

    def rows(self) -> np.ndarray:
        """Return the held rows, oldest first, as a (count, columns) array."""
        if self.count < len(self._data):
            return self._data[:self.count]
        return np.concatenate((self._data[self._next:], self._data[:self._next]))
