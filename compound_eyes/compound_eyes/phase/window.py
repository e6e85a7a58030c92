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

    def rows(self) -> np.ndarray:
        """Return the held rows, oldest first, as a (count, columns) array."""
        if self.count < len(self._data):
            return self._data[:self.count]
        return np.concatenate((self._data[self._next:], self._data[:self._next]))


class ChannelWindows:
    """One SampleWindow per channel, all in one array, so a set's samples are one push.

    A channel missing from a set skips that push, so each keeps its own ring position and
    count (plain lists: they are read one channel at a time); channels of equal count are
    read together, oldest first.
    """

    def __init__(self, size: int, columns: int) -> None:
        if size < 1 or columns < 1:
            raise ValueError('window size and column count must be positive')
        self.size = size
        self._data = np.zeros((0, size, columns), dtype=np.float64)
        self._next: list[int] = []
        self.counts: list[int] = []
        self._every: list[int] = []     # every row, in order

    def add(self) -> int:
        """Open an empty window for a new channel and return its row."""
        self._data = np.concatenate((self._data, np.zeros((1, *self._data.shape[1:]))))
        self._next.append(0)
        self.counts.append(0)
        self._every.append(len(self._every))
        return self._every[-1]

    def push(self, rows: list[int], samples: Sequence[Sequence[float]]) -> None:
        """Append one sample to each row named (rows unique), overwriting the oldest when full."""
        slots = [self._next[row] for row in rows]
        if rows == self._every and slots.count(slots[0]) == len(slots):
            self._data[:, slots[0]] = samples     # the common case, without fancy indexing
        else:
            self._data[rows, slots] = np.asarray(samples, dtype=np.float64)
        for row, slot in zip(rows, slots, strict=True):
            self._next[row] = (slot + 1) % self.size
            self.counts[row] = min(self.counts[row] + 1, self.size)

    def column(self, rows: list[int], index: int) -> np.ndarray:
        """Return one column of rows of equal count as (len(rows), count), oldest first.

        Often a view of the windows: read it before the next push.
        """
        count = self.counts[rows[0]]
        oldest = [(self._next[row] - count) % self.size for row in rows]
        if oldest.count(oldest[0]) < len(oldest):     # rings at different positions
            slots = (np.asarray(oldest)[:, None] + np.arange(count)) % self.size
            return self._data[np.asarray(rows)[:, None], slots, index]
        picked = self._data[:, :, index] if rows == self._every else self._data[rows, :, index]
        start = oldest[0]
        if start + count <= self.size:
            return picked[:, start:start + count]
        return np.concatenate((picked[:, start:], picked[:, :start + count - self.size]), axis=1)

    def rows(self, row: int) -> np.ndarray:
        """Return one channel's samples, oldest first, as a (count, columns) array."""
        count, start = self.counts[row], self._next[row]
        if count < self.size:
            return self._data[row, :count]
        return np.concatenate((self._data[row, start:], self._data[row, :start]))
