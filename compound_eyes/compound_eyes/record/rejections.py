"""What the recorder leaves out of the bag, and why: a table of fixed reasons, so it stays small.

A message is recorded only when it decodes as its topic's type, and a set only when it also
names a real client, is stamped at its tick's scheduled time (ticks are epoch-aligned), and
fits the counter's table of streams. A hostile or broken peer thus
cannot put bytes into the bag that readers and exports would stumble on, nor make the
recorder keep a counter for every client_id it invents.
"""
from __future__ import annotations

from rosbags.serde import SerdeError

from compound_eyes.config.section import IDENTIFIER_MAX_CHARS
from compound_eyes.record.types import typestore

UNDECODABLE = 'not a message of its type in CDR'
BAD_CLIENT_ID = f'client_id not ASCII letters, digits and _ (at most {IDENTIFIER_MAX_CHARS})'
TOO_MANY_STREAMS = 'a new client stream beyond the counted maximum'
TICK_MISMATCH = 'header stamp is not tick * tick_period_ns'


class RejectedError(ValueError):
    """A received message the recorder does not record; reason is one of the texts above."""

    def __init__(self, reason: str, detail: str = '') -> None:
        super().__init__(f'{reason} ({detail})' if detail else reason)
        self.reason = reason


def decode(msgtype: str, data: bytes | memoryview) -> object:
    """Return data as a rosbags message of msgtype (arrays stay views); raise RejectedError."""
    try:
        return typestore().deserialize_cdr(data, msgtype)
    except SerdeError as error:
        raise RejectedError(UNDECODABLE, str(error)) from error


class RejectionCounts:
    """How many messages were rejected per reason."""

    def __init__(self) -> None:
        self.by_reason: dict[str, int] = {}

    def add(self, rejection: RejectedError) -> None:
        """Count one rejected message."""
        self.by_reason[rejection.reason] = self.by_reason.get(rejection.reason, 0) + 1

    @property
    def total(self) -> int:
        """Return the number of rejected messages."""
        return sum(self.by_reason.values())
