"""A rosbag2 MCAP bag writer that splits by size and/or duration like rosbag2, crash-safe.

rosbags' Writer produces exactly one storage file per bag, so each split is written by its
own Writer in a staging directory whose file is hard-linked into the bag directory as
``<bag>_<i>.mcap`` from the start. At least every ``durable_period_s`` the pending MCAP chunk
is closed and handed to the kernel with a provisional end (record/mcap_tail), and
metadata.yaml (see bag_metadata) is rewritten to cover it: a recorder killed at any moment
leaves a bag that rosbags and the mcap readers open, missing at most the messages of the
last period. A write that fails (a full disk) cuts the file back to its last durable point
and raises BagWriteError naming the file. Serialized CDR bytes are stored unchanged.

The durable points use rosbags' McapWriter (its ``close_chunk()``, pending ``chunk`` and
file object ``bio``), which requirements.txt pins.
"""
from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from rosbags.interfaces import Connection, Qos
from rosbags.rosbag2 import StoragePlugin, Writer
from rosbags.typesys.store import Typestore

from compound_eyes.record import bag_metadata
from compound_eyes.record.bag_metadata import FileRecord, TopicRecord
from compound_eyes.record.mcap_tail import PROVISIONAL_END
from compound_eyes.record.settings import BAG_VERSIONS
from compound_eyes.record.types import typestore as default_typestore

DURABLE_PERIOD_S = 0.5     # the most a crash can lose, plus one write of the recorder


class BagExistsError(FileExistsError):
    """The output path exists; bags are never overwritten."""


class UnknownTypeError(KeyError):
    """A topic's message type is not in the typestore, so it cannot be described in the bag."""


class BagWriteError(OSError):
    """Writing the bag failed (e.g. the disk is full); what was durable stays readable."""


class _Split:
    """The split file being written: its Writer, connections, statistics, durable point."""

    def __init__(self, bag_dir: Path, index: int, version: int) -> None:
        self.name = f'{bag_dir.name}_{index}'
        self.staging = bag_dir / self.name
        self.target = bag_dir / f'{self.name}.mcap'
        self.writer = Writer(self.staging, version=version,
                             storage_plugin=StoragePlugin.MCAP)
        self.writer.open()
        os.link(self.staging / self.target.name, self.target)
        self.connections: dict[str, Connection] = {}
        self.counts: dict[str, int] = {}
        self.bytes = 0
        self.start_ns: int | None = None
        self.end_ns = 0
        self.durable = self.record()     # what a crash leaves readable
        self.durable_offset = 0          # where the provisional end starts in the file

    def record(self) -> FileRecord:
        """Return the statistics of everything written to this split so far."""
        return FileRecord(self.target.name, self.start_ns or 0, self.end_ns, dict(self.counts))

    def make_durable(self) -> None:
        """Close the pending chunk, end the file provisionally and hand it to the kernel."""
        storage = self.writer.storage
        if storage.chunk.msgs:
            storage.close_chunk()
        offset = storage.bio.tell()
        storage.bio.write(PROVISIONAL_END)
        storage.bio.flush()
        storage.bio.seek(offset)        # the next chunk or the summary writes over the end
        self.durable, self.durable_offset = self.record(), offset

    def finish(self) -> FileRecord:
        """Close the Writer (its summary replaces the provisional end); drop the staging dir."""
        self.writer.close()
        shutil.rmtree(self.staging)
        return self.record()

    def abandon(self) -> FileRecord:
        """After a failed write: cut the file back to its durable point and end it there."""
        try:
            self.writer.storage.bio.close()    # may fail flushing again; the fd is closed
        except OSError:
            pass
        with self.target.open('r+b') as stream:
            stream.truncate(self.durable_offset)
            stream.seek(self.durable_offset)
            stream.write(PROVISIONAL_END)
        shutil.rmtree(self.staging, ignore_errors=True)
        return self.durable


class SplitBagWriter:
    """Write serialized messages to an MCAP bag, starting a new file past the split limits.

    max_bag_size is in bytes of message data, max_bag_duration_s in seconds of message
    timestamps; 0 disables a limit. version is the rosbag2 metadata version (BAG_VERSIONS).
    Everything written is durable after durable_period_s, checked on each write and by
    make_durable_if_due() (call it from a timer when messages may pause). Use as a context
    manager or call open()/close().
    """

    def __init__(self, path: Path, *, max_bag_size: int = 0, max_bag_duration_s: float = 0,
                 version: int = BAG_VERSIONS[0], store: Typestore | None = None,
                 durable_period_s: float = DURABLE_PERIOD_S) -> None:
        if max_bag_size < 0 or max_bag_duration_s < 0:
            raise ValueError('max_bag_size and max_bag_duration must be >= 0 (0 = no limit)')
        self.version = bag_metadata.check_version(version)
        self.path = Path(path)
        self.max_bag_size = max_bag_size
        self.max_bag_duration_ns = int(max_bag_duration_s * 1e9)
        self.store = store or default_typestore()
        self.durable_period_s = durable_period_s
        self.topics: dict[str, TopicRecord] = {}
        self.files: list[FileRecord] = []
        self._split: _Split | None = None
        self._durable_at = 0.0                  # time.monotonic() of the last durable point

    def open(self) -> None:
        """Create the bag directory; refuse an existing path."""
        if self.path.exists():
            raise BagExistsError(f'output {self.path} exists already; not overwriting it')
        try:
            self.path.mkdir(parents=True)
        except FileExistsError:
            raise BagExistsError(f'output {self.path} exists already; not overwriting it') from None
        self._guarded(self._start_split)

    def add_topic(self, topic: str, msgtype: str, offered_qos: list[Qos] | None = None) -> None:
        """Declare a topic before writing to it; its QoS goes into the bag's metadata."""
        if topic in self.topics:
            return
        if msgtype not in self.store.fielddefs:
            raise UnknownTypeError(f'topic {topic}: message type {msgtype} is not registered')
        self.topics[topic] = TopicRecord(topic, msgtype, self.store.hash_rihs01(msgtype),
                                         list(offered_qos or []))

    def write(self, topic: str, timestamp_ns: int, data: bytes | memoryview) -> None:
        """Append one serialized message, splitting first when a limit would be passed.

        Raises BagWriteError when the file cannot be written; the bag is closed then.
        """
        self._guarded(lambda: self._write(topic, timestamp_ns, data))

    def make_durable_if_due(self) -> None:
        """Make everything written durable when the last durable point is a period old."""
        if self._split is not None and self._durable_due():
            self._guarded(self._make_durable)

    def _write(self, topic: str, timestamp_ns: int, data: bytes | memoryview) -> None:
        split = self._current()
        if self._limit_reached(split, timestamp_ns, len(data)):
            self._finish_split()
            split = self._start_split()
        connection = split.connections.get(topic) or self._connect(split, topic)
        split.writer.write(connection, timestamp_ns, data)
        split.counts[topic] = split.counts.get(topic, 0) + 1
        split.bytes += len(data)
        split.start_ns = timestamp_ns if split.start_ns is None else min(split.start_ns,
                                                                         timestamp_ns)
        split.end_ns = max(split.end_ns, timestamp_ns)
        if self._durable_due():
            self._make_durable()

    def counts(self) -> dict[str, int]:
        """Return messages written per topic over all splits so far."""
        totals = {name: 0 for name in self.topics}
        finished = self.files + ([self._split_record()] if self._split else [])
        for record in finished:
            for topic, count in record.counts.items():
                totals[topic] += count
        return totals

    def close(self) -> None:
        """Finish the current split and write the final metadata.yaml."""
        if self._split is not None:
            self._guarded(self._finish_split)

    def __enter__(self) -> SplitBagWriter:
        self.open()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def _current(self) -> _Split:
        if self._split is None:
            raise RuntimeError(f'bag {self.path} is not open')
        return self._split

    def _limit_reached(self, split: _Split, timestamp_ns: int, size: int) -> bool:
        if split.start_ns is None:
            return False  # never leave a split empty
        too_big = self.max_bag_size and split.bytes + size > self.max_bag_size
        too_long = (self.max_bag_duration_ns
                    and timestamp_ns - split.start_ns >= self.max_bag_duration_ns)
        return bool(too_big or too_long)

    def _connect(self, split: _Split, topic: str) -> Connection:
        info = self.topics.get(topic)
        if info is None:
            raise KeyError(f'topic {topic} was not declared with add_topic()')
        connection = split.writer.add_connection(
            topic, info.msgtype, typestore=self.store, offered_qos_profiles=info.offered_qos)
        split.connections[topic] = connection
        return connection

    def _split_record(self) -> FileRecord:
        return self._current().record()

    def _start_split(self) -> _Split:
        self._split = _Split(self.path, len(self.files), self.version)
        self._make_durable()
        return self._split

    def _finish_split(self) -> None:
        split, self._split = self._current(), None
        self.files.append(split.finish())
        self._write_metadata()

    def _durable_due(self) -> bool:
        return time.monotonic() - self._durable_at >= self.durable_period_s

    def _make_durable(self) -> None:
        split = self._current()
        split.make_durable()
        self._write_metadata(split.durable)
        self._durable_at = time.monotonic()

    def _write_metadata(self, current: FileRecord | None = None) -> None:
        files = self.files + ([current] if current is not None else [])
        bag_metadata.write(self.path, list(self.topics.values()), files, self.version)

    def _guarded(self, action: Callable[[], object]) -> None:
        """Run a step that writes files; on OSError end the bag at its last durable point."""
        try:
            action()
        except OSError as error:
            split, self._split = self._split, None
            where = split.target if split is not None else self.path
            if split is not None:
                self.files.append(split.abandon())
            try:
                self._write_metadata()
            except OSError:
                pass            # the metadata of the last durable point stays in place
            raise BagWriteError(f'cannot write {where}: {error.strerror or error}; the bag '
                                'holds what was written before') from error
