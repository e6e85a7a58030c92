"""An in-test rclpy node in its own context, spun by a thread while the test watches processes.

`with Subclass(...) as peer:` always stops the thread and shuts the context down; subclasses
create their subscriptions on self.node in __init__ before calling start().
"""
from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Self

import rclpy
from rclpy.context import Context
from rclpy.executors import SingleThreadedExecutor


class SpunNode:
    """One node, its context and the thread that spins it."""

    def __init__(self, name: str) -> None:
        self.context = Context()
        rclpy.init(context=self.context)
        self.node = rclpy.create_node(name, context=self.context)
        self._lock = threading.Lock()
        self._executor = SingleThreadedExecutor(context=self.context)
        self._executor.add_node(self.node)
        self._running = True
        self._thread = threading.Thread(target=self._spin, daemon=True)

    def start(self) -> None:
        """Start spinning (once the subclass has created what it needs)."""
        self._thread.start()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop spinning and shut the context down."""
        self._running = False
        self._thread.join(timeout=5)
        self._executor.shutdown()
        self.node.destroy_node()
        rclpy.try_shutdown(context=self.context)

    def wait_until(self, done: Callable[[], bool], timeout_s: float, what: str,
                   details: Callable[[], str] = str) -> None:
        """Poll done() until true; fail naming what was awaited (plus details(), e.g. a log)."""
        deadline = time.monotonic() + timeout_s
        while not done():
            if time.monotonic() > deadline:
                raise AssertionError(f'{what}: not within {timeout_s} s\n{details()}')
            time.sleep(0.05)

    def _spin(self) -> None:
        while self._running and self.context.ok():
            self._executor.spin_once(timeout_sec=0.05)
