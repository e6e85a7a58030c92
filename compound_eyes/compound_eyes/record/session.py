"""One recording: which discovered topics to take, the bag they go into, the sets counted.

Everything the recorder decides without DDS lives here, so the node shell only discovers
topics, subscribes and hands over the serialized bytes that arrive. Each message is decoded
(record/rejections) before it is written: what does not decode, and sets the counter
refuses, are counted by reason and left out of the bag.
"""
from __future__ import annotations

import time
from collections.abc import Sequence

from rosbags.interfaces import Qos

from compound_eyes.record.bag_writer import SplitBagWriter
from compound_eyes.record.rejections import RejectedError, RejectionCounts, decode
from compound_eyes.record.set_counter import SetCounter
from compound_eyes.record.settings import RecorderSettings
from compound_eyes.record.topic_selection import SET_TYPES


class RecordingSession:
    """The bag being written, the topics taken or refused, and the counts of sets."""

    def __init__(self, settings: RecorderSettings) -> None:
        self.settings = settings
        self.writer = SplitBagWriter(settings.output, max_bag_size=settings.max_bag_size,
                                     max_bag_duration_s=settings.max_bag_duration_s,
                                     version=settings.bag_version)
        self.counter = SetCounter()
        self.rejected = RejectionCounts()
        self.decided: set[str] = set()    # topics recorded or refused; never looked at again

    def open(self) -> None:
        """Create the bag; raises BagExistsError, ValueError or OSError with the reason."""
        self.writer.open()

    def wanted_type(self, topic: str, types: Sequence[str]) -> str | None:
        """Return the type to record a newly seen topic as, or None to leave it."""
        if topic in self.decided:
            return None
        return next((t for t in types if self.settings.selection.wants(topic, t)), None)

    def take(self, topic: str, msgtype: str, offered: list[Qos]) -> None:
        """Declare a topic in the bag; raises UnknownTypeError for a type it cannot describe."""
        self.writer.add_topic(topic, msgtype, offered)
        self.decided.add(topic)

    def refuse(self, topic: str) -> None:
        """Leave a topic that cannot be recorded alone from now on."""
        self.decided.add(topic)

    def write(self, topic: str, msgtype: str, data: bytes) -> str | None:
        """Store one serialized message as received now; return why it was rejected instead.

        Raises BagWriteError when the bag cannot be written (then it is closed).
        """
        received_ns = time.time_ns()
        try:
            msg = decode(msgtype, data)
            if msgtype in SET_TYPES:
                self.counter.add(topic, msg)
        except RejectedError as rejection:
            self.rejected.add(rejection)
            return f'{topic}: not recorded: {rejection}'
        self.writer.write(topic, received_ns, data)
        return None

    def keep_durable(self) -> None:
        """Make what was written durable if a period passed; call it between messages too."""
        self.writer.make_durable_if_due()

    def close(self) -> None:
        """Finish the bag: every message written so far is readable afterwards."""
        self.writer.close()

    def summary(self) -> dict:
        """Return the JSON-ready summary: bag, files, messages, sets, rejections per reason."""
        return {'bag': str(self.settings.output), 'files': [f.path for f in self.writer.files],
                'messages': self.writer.counts(), 'sets': self.counter.summary(),
                'rejected': dict(sorted(self.rejected.by_reason.items()))}
