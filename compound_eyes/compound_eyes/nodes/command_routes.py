"""Where the server sends each client's PhaseDelay: the namespace its timing sets come from.

One command writer per client namespace (`schema.command_topic`), matched by that client's
reader alone, so a command costs one delivery and no client reads the others' commands. A
client is routed to the writer of the topic its latest accepted set arrived on; routes of
clients that neither sent an accepted set nor got a command in a round are dropped, so
invented client ids cannot grow the table beyond what the estimator itself keeps.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from compound_eyes.interfaces import schema


class Writer(Protocol):
    """What a route needs of an rclpy Publisher."""

    def publish(self, msg: object) -> None:
        """Send one message to the topic's readers."""


class CommandRoutes:
    """client_id -> the command writer of the namespace its sets arrive from."""

    def __init__(self, create_writer: Callable[[str], Writer]) -> None:
        """create_writer: makes the PhaseDelay writer of one command topic."""
        self._create_writer = create_writer
        self._writers: dict[str, Writer] = {}       # command topic -> writer
        self._routes: dict[str, Writer] = {}        # client_id -> writer
        self._fresh: dict[str, Writer] = {}         # learned since the last round

    def writer_for(self, timing_topic: str) -> Writer:
        """Return the writer of the client publishing on timing_topic (created once)."""
        topic = schema.command_topic(timing_topic)
        if topic not in self._writers:
            self._writers[topic] = self._create_writer(topic)
        return self._writers[topic]

    def learn(self, client_id: str, writer: Writer) -> None:
        """Note that an accepted set of client_id arrived on writer's namespace."""
        self._fresh[client_id] = writer

    def publish(self, commands: Iterable[object]) -> None:
        """Send each command (a PhaseDelay) to its client's writer; end the round."""
        commands = list(commands)
        routes = {msg.client_id: self._routes[msg.client_id] for msg in commands
                  if msg.client_id in self._routes}
        routes.update(self._fresh)
        self._routes, self._fresh = routes, {}
        for msg in commands:
            writer = routes.get(msg.client_id)
            if writer is not None:
                writer.publish(msg)
