"""Length-delimited protobuf streams: each message preceded by its size as a base-128 varint.

This is the framing protobuf's own writeDelimitedTo/parseDelimitedFrom use, so Java, C++ and
Python readers can consume exported files without knowing their length up front.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, TypeVar

from google.protobuf.message import Message

M = TypeVar('M', bound=Message)


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def write_delimited(stream: BinaryIO, message: Message) -> None:
    """Append message to stream with its varint length prefix."""
    payload = message.SerializeToString()
    stream.write(_varint(len(payload)))
    stream.write(payload)


def read_delimited(path: Path, message_class: type[M]) -> Iterator[M]:
    """Yield every message of a length-delimited file; raise ValueError naming a cut message."""
    data = Path(path).read_bytes()
    pos = 0
    while pos < len(data):
        size = shift = 0
        start = pos
        while True:
            if pos >= len(data):
                raise ValueError(f'{path}: truncated length prefix at byte {start}')
            byte = data[pos]
            pos += 1
            size |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        if pos + size > len(data):
            raise ValueError(f'{path}: message at byte {start} is cut short '
                             f'({len(data) - pos} of {size} bytes)')
        yield message_class.FromString(data[pos:pos + size])
        pos += size
