"""Reading a recorded bag back, salvaging what precedes damage in a truncated or corrupt file.

The normal path is rosbags' AnyReader over the whole bag. A crashed recorder or a copy cut
short leaves an MCAP file without its summary, which AnyReader refuses, so the fallback
scans each file's records sequentially (mcap's StreamReader) up to the first damage. Messages
are yielded first and BagDamagedError is raised at the end, so callers keep everything
readable and still report the problem.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml
from mcap.records import Channel, Message, Schema
from mcap.stream_reader import StreamReader
from rosbags.highlevel import AnyReader

from compound_eyes.record.types import typestore


class BagDamagedError(RuntimeError):
    """Part of the bag could not be read; everything readable was already yielded."""


@dataclass(frozen=True)
class BagMessage:
    """One recorded message, serialized and deserialized."""

    topic: str
    msgtype: str
    timestamp: int          # receive time written by the recorder (ns)
    raw: bytes
    msg: object             # rosbags dataclass of the registered type


def bag_files(bag: Path) -> list[Path]:
    """Return the bag's storage files, in metadata order when metadata.yaml is readable."""
    meta = bag / 'metadata.yaml'
    try:
        info = yaml.safe_load(meta.read_text())['rosbag2_bagfile_information']
        return [bag / Path(p).name for p in info['relative_file_paths']]
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return sorted(bag.glob('*.mcap'))


Select = Callable[[str, str], bool]   # (topic, msgtype) -> read it?


def _everything(topic: str, msgtype: str) -> bool:
    return True


def topic_counts(bag: Path) -> dict[str, tuple[str, int]]:
    """Return topic -> (type, message count) from metadata.yaml; empty when unreadable."""
    try:
        info = yaml.safe_load((bag / 'metadata.yaml').read_text())['rosbag2_bagfile_information']
        return {t['topic_metadata']['name']: (t['topic_metadata']['type'], t['message_count'])
                for t in info['topics_with_message_count']}
    except (OSError, yaml.YAMLError, KeyError, TypeError):
        return {}


def read_messages(bag: Path, select: Select = _everything) -> Iterator[BagMessage]:
    """Yield every readable message of the bag that select accepts, then report damage."""
    bag = Path(bag)
    if not bag.is_dir():
        raise FileNotFoundError(f'bag {bag} is not a directory (expected a rosbag2 bag)')
    seen: set[tuple[str, int, int]] = set()
    try:
        for message in _read_with_anyreader(bag, select):
            seen.add((message.topic, message.timestamp, len(message.raw)))
            yield message
        return
    except Exception as exc:  # noqa: BLE001 - any reader failure means: salvage the rest
        first_error = f'{type(exc).__name__}: {exc}'
    damage = [f'{bag}: {first_error}']
    for path in bag_files(bag):
        for message in _stream_file(path, select, damage):
            if (message.topic, message.timestamp, len(message.raw)) not in seen:
                yield message
    raise BagDamagedError('bag is damaged; everything before the damage was read:\n  '
                          + '\n  '.join(damage))


def _read_with_anyreader(bag: Path, wanted: Select) -> Iterator[BagMessage]:
    store = typestore()
    with AnyReader([bag]) as reader:
        connections = [c for c in reader.connections if wanted(c.topic, c.msgtype)]
        for connection, timestamp, raw in reader.messages(connections=connections):
            yield BagMessage(connection.topic, connection.msgtype, timestamp, bytes(raw),
                             store.deserialize_cdr(raw, connection.msgtype))


def _stream_file(path: Path, wanted: Select, damage: list[str]) -> Iterator[BagMessage]:
    """Yield the messages of one MCAP file in file order, stopping at the first damage.

    A message whose bytes are no message of its type is skipped and counted; damage to the
    file's records ends the file, and damage says from which byte on it was skipped.
    """
    store = typestore()
    channels: dict[int, Channel] = {}
    schema_names: dict[int, str] = {}
    read = undecodable = good_end = 0
    try:
        with path.open('rb') as stream:
            for record in StreamReader(stream, validate_crcs=True).records:
                good_end = stream.tell()
                if isinstance(record, Channel):
                    channels[record.id] = record
                elif isinstance(record, Schema):
                    schema_names[record.id] = record.name
                elif isinstance(record, Message):
                    channel = channels[record.channel_id]
                    msgtype = schema_names[channel.schema_id]
                    if not wanted(channel.topic, msgtype):
                        continue
                    try:
                        msg = store.deserialize_cdr(record.data, msgtype)
                    except Exception:  # noqa: BLE001 - any decoding failure: skip this one
                        undecodable += 1
                        continue
                    read += 1
                    yield BagMessage(channel.topic, msgtype, record.log_time,
                                     bytes(record.data), msg)
    except Exception as exc:  # noqa: BLE001 - damage ends this file, not the export
        size = path.stat().st_size if path.exists() else 0
        damage.append(f'{path.name}: {type(exc).__name__}: {str(exc) or "unexpected end of file"}'
                      f'; read {read} messages, skipped bytes {good_end}..{size}')
    if undecodable:
        damage.append(f'{path.name}: skipped {undecodable} messages that do not decode')
