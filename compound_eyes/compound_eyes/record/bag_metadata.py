"""rosbag2 metadata.yaml (format version 8 or 9) covering every split file of one bag.

rosbags' Writer writes one file per bag; the recorder writes each split with its own Writer
and this module describes all of them together, the way rosbag2 does, so rosbag2 and
rosbags' AnyReader open the whole bag. The versions differ only in how offered QoS profiles
are stored: a YAML string in 8, a YAML list in 9.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from rosbags.interfaces import Qos
from rosbags.rosbag2.metadata import dump_qos_v8, dump_qos_v9

from compound_eyes.record.settings import BAG_VERSIONS


@dataclass
class TopicRecord:
    """A recorded topic: its type, offered QoS and RIHS01 hash."""

    name: str
    msgtype: str
    type_hash: str
    offered_qos: list[Qos] = field(default_factory=list)


@dataclass
class FileRecord:
    """One finished split file with its message statistics."""

    path: str                                   # relative to the bag directory
    start_ns: int
    end_ns: int
    counts: dict[str, int]                      # topic -> messages in this file

    @property
    def message_count(self) -> int:
        """Return the number of messages in this file."""
        return sum(self.counts.values())


def check_version(version: int) -> int:
    """Return version if the bag can be written in it, else raise ValueError naming it."""
    if version not in BAG_VERSIONS:
        raise ValueError(f'bag version {version!r}: expected one of '
                         f'{", ".join(map(str, BAG_VERSIONS))}')
    return version


def build(topics: list[TopicRecord], files: list[FileRecord], version: int) -> dict:
    """Return the metadata document (in format version) for the topics and finished files."""
    dump_qos = dump_qos_v9 if check_version(version) >= 9 else dump_qos_v8
    starts = [f.start_ns for f in files if f.message_count]
    ends = [f.end_ns for f in files if f.message_count]
    start = min(starts, default=0)
    totals = {t.name: sum(f.counts.get(t.name, 0) for f in files) for t in topics}
    return {'rosbag2_bagfile_information': {
        'version': version,
        'storage_identifier': 'mcap',
        'relative_file_paths': [f.path for f in files],
        'duration': {'nanoseconds': max(ends, default=0) - start},
        'starting_time': {'nanoseconds_since_epoch': start},
        'message_count': sum(totals.values()),
        'topics_with_message_count': [{
            'topic_metadata': {
                'name': t.name,
                'type': t.msgtype,
                'serialization_format': 'cdr',
                'offered_qos_profiles': dump_qos(t.offered_qos),
                'type_description_hash': t.type_hash,
            },
            'message_count': totals[t.name],
        } for t in topics],
        'compression_format': '',
        'compression_mode': '',
        'files': [{
            'path': f.path,
            'starting_time': {'nanoseconds_since_epoch': f.start_ns if f.message_count else 0},
            'duration': {'nanoseconds': f.end_ns - f.start_ns if f.message_count else 0},
            'message_count': f.message_count,
        } for f in files],
        'custom_data': None,
        'ros_distro': 'kilted',
    }}


def write(bag_dir: Path, topics: list[TopicRecord], files: list[FileRecord],
          version: int) -> None:
    """Write metadata.yaml atomically so a reader never sees a half-written file."""
    tmp = bag_dir / 'metadata.yaml.tmp'
    try:
        tmp.write_text(yaml.safe_dump(build(topics, files, version), sort_keys=False))
    except OSError:
        tmp.unlink(missing_ok=True)     # a full disk: the previous metadata.yaml stays valid
        raise
    os.replace(tmp, bag_dir / 'metadata.yaml')
