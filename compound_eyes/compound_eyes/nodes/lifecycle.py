"""Run a node until SIGINT/SIGTERM and shut it down in our order, not rclpy's.

rclpy's own signal handler invalidates the context at once, while worker threads may still
be publishing; here the signal only ends spin(), and the node stops its threads and
processes before the context goes away.
"""
from __future__ import annotations

from collections.abc import Callable

import rclpy
from rclpy.node import Node
from rclpy.signals import SignalHandlerOptions

from compound_eyes.config.errors import ConfigError
from compound_eyes.signals import Terminated, sigterm_raises


def run_until_signal(name: str, argv: list[str] | None, make_node: Callable[[], Node],
                     start: Callable[[Node], None], stop: Callable[[Node], None]) -> int:
    """Create, start and spin a node; configuration errors exit 2 with one clear line."""
    rclpy.init(args=argv, signal_handler_options=SignalHandlerOptions.NO)
    node = None
    try:
        with sigterm_raises():
            node = make_node()
            start(node)
            rclpy.spin(node)
    except ConfigError as error:
        print(f'compound_eyes {name}: configuration error: {error}', flush=True)
        return 2
    except (KeyboardInterrupt, Terminated):
        pass
    finally:
        if node is not None:
            stop(node)
            node.destroy_node()
        rclpy.try_shutdown()
    return 0
