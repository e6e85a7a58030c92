"""The live camera controls of one channel, written by the parent, read by its capture process.

A running client changes exposure, gain, ... through its ROS parameters; the parent writes
the channel's whole set of controls here as JSON (which keeps 5000 an int and 2.5 a float)
and the worker applies them between ticks, also after every reopen or respawn, since the
cell outlives the process. Like the delay cell it is guarded by a sequence counter (seqlock)
only the parent writes: no lock a crashed worker could leave held.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from multiprocessing.context import BaseContext
from typing import Any

MAX_BYTES = 4096            # a handful of named numbers fit many times over
_SEQ, _LENGTH = 0, 1


class ControlCell:
    """The newest controls of one camera and their generation (0: none written yet)."""

    def __init__(self, context: BaseContext) -> None:
        self._header = context.Array('q', 2, lock=False)
        self._data = context.Array('B', MAX_BYTES, lock=False)

    def write(self, controls: Mapping[str, Any]) -> None:
        """Publish the channel's controls (parent only); ValueError if they do not fit."""
        payload = json.dumps(dict(controls)).encode()
        if len(payload) > MAX_BYTES:
            raise ValueError(f'camera controls take {len(payload)} bytes, at most {MAX_BYTES}')
        header = self._header
        header[_SEQ] += 1
        self._data[:len(payload)] = payload
        header[_LENGTH] = len(payload)
        header[_SEQ] += 1

    @property
    def generation(self) -> int:
        """Return the generation last written completely (cheap: no payload is read)."""
        return self._header[_SEQ] // 2     # mid-write (odd): still the previous generation

    def read(self) -> tuple[int, dict[str, Any]]:
        """Return (generation, controls) as last written; ({} at generation 0)."""
        header = self._header
        while True:
            seq = header[_SEQ]
            length = header[_LENGTH]
            payload = bytes(self._data[:length])
            if seq % 2 == 0 and header[_SEQ] == seq:
                return seq // 2, json.loads(payload) if seq else {}
