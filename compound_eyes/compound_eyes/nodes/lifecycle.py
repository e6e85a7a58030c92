"""Run a node until SIGINT/SIGTERM and shut it down in our order, not rclpy's.

rclpy's own signal handler invalidates the context at once, while worker threads may still
be publishing; here `compound_eyes.signals` owns the signals, the spin loop only looks at the
stop request between callbacks, and the node stops its threads and processes before the
context goes away. Further signals during that teardown are counted, never raised.
"""
from __future__ import annotations

import time
from collections.abc import Callable

import rclpy
from rclpy.context import Context
from rclpy.executors import SingleThreadedExecutor
from rclpy.experimental import EventsExecutor
from rclpy.node import Node
from rclpy.signals import SignalHandlerOptions

from compound_eyes.config.errors import ConfigError
from compound_eyes.nodes.periodic import Periodic
from compound_eyes.signals import StopSignals

SPIN_S = 0.1   # the longest a stop request waits for the spin loop to look


def init_ros(args: list[str] | None = None, context: Context | None = None) -> None:
    """Initialize rclpy without its signal handlers: compound_eyes.signals owns them."""
    rclpy.init(args=args, context=context, signal_handler_options=SignalHandlerOptions.NO)


def spin_until_stopped(node: Node, stop: StopSignals, until_s: float | None = None,
                       periodic: Periodic | None = None) -> None:
    """Execute the node's callbacks until a stop is requested or time.monotonic() >= until_s.

    A node that gives its periodic work as `periodic` (and has no rclpy timers) is spun by
    rclpy's EventsExecutor: C++, it takes each subscription's messages without the
    SingleThreadedExecutor's wait set rebuilt in Python for every wait, and the loop runs
    the due callbacks between two of its events.
    """
    executor = SingleThreadedExecutor() if periodic is None else EventsExecutor()
    executor.add_node(node)
    try:
        while not stop.requested and (until_s is None or time.monotonic() < until_s):
            timeout_s = SPIN_S if periodic is None else min(SPIN_S, periodic.run_due())
            executor.spin_once(timeout_sec=timeout_s)
    finally:
        executor.shutdown()


def run_until_signal(name: str, argv: list[str] | None, make_node: Callable[[], Node],
                     start: Callable[[Node], None], stop: Callable[[Node], None],
                     periodic: Callable[[Node], Periodic] | None = None) -> int:
    """Create, start and spin a node; configuration errors exit 2 with one clear line.

    periodic: the node's periodic work, run by the spin loop (see spin_until_stopped).
    """
    with StopSignals() as signals:
        init_ros(argv)
        node = None
        try:
            node = make_node()
            start(node)
            spin_until_stopped(node, signals,
                               periodic=None if periodic is None else periodic(node))
        except ConfigError as error:
            print(f'compound_eyes {name}: configuration error: {error}', flush=True)
            return 2
        finally:
            if node is not None:
                stop(node)
                node.destroy_node()
            rclpy.try_shutdown()
    return 0
