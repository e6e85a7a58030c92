"""A rosbag2 MCAP bag writer that splits by size and/or duration like rosbag2.

rosbags' Writer produces exactly one storage file per bag, so each split is written by its
own Writer in a staging directory, moved into the bag directory as ``<bag>_<i>.mcap`` when
it is finished, and one metadata.yaml (see bag_metadata) describes all finished files. The
metadata is rewritten after every split, so a crash loses at most the split being written.
Serialized CDR bytes are stored unchanged.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from types import TracebackType

from rosbags.interfaces import Connection, Qos
from rosbags.rosbag2 import StoragePlugin, Writer
from rosbags.typesys.store import Typestore

from compound_eyes.record import bag_metadata
from compound_eyes.record.bag_metadata import FileRecord, TopicRecord
from compound_eyes.record.settings import BAG_VERSIONS
from compound_eyes.record.types import typestore as default_typestore


class BagExistsError(FileExistsError):
    """The output path exists; bags are never overwritten."""


class UnknownTypeError(KeyError):
    """A topic's message type is not in the typestore, so it cannot be described in the bag."""


class _Split:
    """The split file being written: its Writer, connections and statistics."""

    def __init__(self, bag_dir: Path, index: int, version: int) -> None:
        self.name = f'{bag_dir.name}_{index}'
        self.staging = bag_dir / self.name
        self.writer = Writer(self.staging, version=version,
                             storage_plugin=StoragePlugin.MCAP)
        self.writer.open()
        self.connections: dict[str, Connection] = {}
        self.counts: dict[str, int] = {}
        self.bytes = 0
        self.start_ns: int | None = None
        self.end_ns = 0

    def finish(self, bag_dir: Path) -> FileRecord:
        """Close the Writer, move its MCAP file into the bag dir and drop the staging dir."""
        self.writer.close()
        target = bag_dir / f'{self.name}.mcap'
        (self.staging / f'{self.name}.mcap').replace(target)
        shutil.rmtree(self.staging)
        return FileRecord(target.name, self.start_ns or 0, self.end_ns, dict(self.counts))


class SplitBagWriter:
    """Write serialized messages to an MCAP bag, starting a new file past the split limits.

    max_bag_size is in bytes of message data, max_bag_duration_s in seconds of message
    timestamps; 0 disables a limit. version is the rosbag2 metadata version (BAG_VERSIONS).
    Use as a context manager or call open()/close().
    """

    def __init__(self, path: Path, *, max_bag_size: int = 0, max_bag_duration_s: float = 0,
                 version: int = BAG_VERSIONS[0], store: Typestore | None = None) -> None:
        if max_bag_size < 0 or max_bag_duration_s < 0:
            raise ValueError('max_bag_size and max_bag_duration must be >= 0 (0 = no limit)')
        self.version = bag_metadata.check_version(version)
        self.path = Path(path)
        self.max_bag_size = max_bag_size
        self.max_bag_duration_ns = int(max_bag_duration_s * 1e9)
        self.store = store or default_typestore()
        self.topics: dict[str, TopicRecord] = {}
        self.files: list[FileRecord] = []
        self._split: _Split | None = None

    def open(self) -> None:
        """Create the bag directory; refuse an existing path."""
        if self.path.exists():
            raise BagExistsError(f'output {self.path} exists already; not overwriting it')
        try:
            self.path.mkdir(parents=True)
        except FileExistsError:
            raise BagExistsError(f'output {self.path} exists already; not overwriting it') from None
        self._start_split()

    def add_topic(self, topic: str, msgtype: str, offered_qos: list[Qos] | None = None) -> None:
        """Declare a topic before writing to it; its QoS goes into the bag's metadata."""
        if topic in self.topics:
            return
        if msgtype not in self.store.fielddefs:
            raise UnknownTypeError(f'topic {topic}: message type {msgtype} is not registered')
        self.topics[topic] = TopicRecord(topic, msgtype, self.store.hash_rihs01(msgtype),
                                         list(offered_qos or []))

    def write(self, topic: str, timestamp_ns: int, data: bytes | memoryview) -> None:
        """Append one serialized message, splitting first when a limit would be passed."""
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
            self._finish_split()

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
        split = self._current()
        return FileRecord(f'{split.name}.mcap', split.start_ns or 0, split.end_ns,
                          dict(split.counts))

    def _start_split(self) -> _Split:
        self._split = _Split(self.path, len(self.files), self.version)
        return self._split

    def _finish_split(self) -> None:
        split, self._split = self._current(), None
        self.files.append(split.finish(self.path))
        bag_metadata.write(self.path, list(self.topics.values()), self.files, self.version)
