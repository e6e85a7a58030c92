"""Ways to put frame bytes into a ROS uint8[] field, and how long each takes.

The generated setter of uint8[] fields copies or validates element by element for most input
types (ros2/rosidl_python#156); only array.array('B') is stored as is. Timing the candidates
here keeps the choice in the peers honest.
"""
from __future__ import annotations

import array
import statistics
import time
from collections.abc import Callable
from typing import Any


def fill_frombytes(msg: Any, payload: bytes) -> None:
    """Copy into an empty array with frombytes (grows the array, then memcpy)."""
    data = array.array('B')
    data.frombytes(payload)
    msg.data = data


def fill_bytes(msg: Any, payload: bytes) -> None:
    """Assign bytes: one memcpy with field checks off (Kilted default), per-element when on."""
    msg.data = payload


def fill_array_constructor(msg: Any, payload: bytes) -> None:
    """Store array.array('B', bytes): one memcpy, fast whether field checks are on or off."""
    msg.data = array.array('B', payload)


def fill_memoryview(msg: Any, payload: bytes) -> None:
    """array.array('B', memoryview): iterates element by element; the slow path."""
    msg.data = array.array('B', memoryview(payload))


FILL_METHODS: dict[str, Callable[[Any, bytes], None]] = {
    'array.frombytes': fill_frombytes,
    'bytes': fill_bytes,
    'array(bytes)': fill_array_constructor,
    'array(memoryview)': fill_memoryview,
}


def time_fill_methods(make_msg: Callable[[], Any], payload: bytes,
                      repeats: int = 30) -> dict[str, float]:
    """Median milliseconds per fill for each method, each on a fresh message."""
    result = {}
    for name, fill in FILL_METHODS.items():
        times = []
        for _ in range(repeats if name != 'array(memoryview)' else 3):  # that one is slow
            msg = make_msg()
            start = time.perf_counter()
            fill(msg, payload)
            times.append(time.perf_counter() - start)
        result[name] = statistics.median(times) * 1e3
    return result
