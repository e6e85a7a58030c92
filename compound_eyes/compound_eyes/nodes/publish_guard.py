"""Publishing that survives the middleware refusing a message.

Fast DDS can refuse a write ("cannot publish data": a reliable reader that does not keep up,
history or resource limits exhausted). rclpy raises RCLError then; left alone, that would end
the client's publishing thread and with it every later set. The guard counts each refusal
per topic, keeps the last reason for /diagnostics, logs (throttled) and lets the caller go on
with the next message.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

from rclpy.impl.implementation_singleton import rclpy_implementation
from rclpy.publisher import Publisher

RCLError = rclpy_implementation.RCLError
_LOG_EVERY_S = 5.0


@dataclass
class Refusals:
    """Refused publishes so far: per topic, in total, and the newest reason."""

    per_topic: dict[str, int] = field(default_factory=dict)
    last_error: str = ''

    @property
    def total(self) -> int:
        """Return the refusals of every topic together."""
        return sum(self.per_topic.values())


class PublishGuard:
    """Publishes messages and counts the ones the middleware refused; any thread may call."""

    def __init__(self, logger) -> None:
        """logger: the node's rclpy logger, warned (throttled) at each refusal."""
        self._logger = logger
        self._lock = threading.Lock()
        self._refusals = Refusals()

    def publish(self, publisher: Publisher, msg: object) -> bool:
        """Publish msg; return False when the middleware refused it (counted, logged)."""
        try:
            publisher.publish(msg)
        except RCLError as error:
            topic = publisher.topic_name
            with self._lock:
                counts = self._refusals.per_topic
                counts[topic] = counts.get(topic, 0) + 1
                self._refusals.last_error = f'{topic}: {error}'
            self._logger.warning(f'publish refused on {topic}: {error}; going on',
                                 throttle_duration_sec=_LOG_EVERY_S)
            return False
        return True

    def refusals(self) -> Refusals:
        """Return a copy of the counts, for the diagnostics timer."""
        with self._lock:
            return Refusals(dict(self._refusals.per_topic), self._refusals.last_error)
