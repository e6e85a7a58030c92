"""The few fields the server and the recorder use of a SyncedFrameSet, read from its CDR bytes.

At 64 clients x 8 cameras x 30 Hz the server takes 1,920 sets a second. rclpy turns each into
some 90 Python objects (every CameraFrame brings an Image, a CompressedImage, headers and
stamps), which cost more than the whole phase estimator; the server therefore subscribes to
the serialized bytes and walks them here, keeping only numbers. The layout follows the .msg
files in CDR (XCDR1, as rmw_fastrtps sends it): primitives aligned to their size, counted from
after the 4-byte encapsulation header; strings and sequences prefixed by a uint32 count.
test_server_timing_cdr.py checks the result against rclpy's own deserialization.
"""
from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

_NS_PER_S = 1_000_000_000
MAX_FRAMES = 256        # no rig has that many cameras per client; more is garbage
_ENCAPSULATIONS = {b'\x00\x00': '>', b'\x00\x01': '<'}    # CDR big / little endian


@dataclass(frozen=True, slots=True)
class TimingSet:
    """What the phase loop needs of one set; stamps in ns on the client's synced clock."""

    client_id: str
    tick: int
    tick_period_ns: int
    scheduled_ns: int
    phase_delay_ns: int
    stamps_ns: list[int]
    missing_count: int


class _Reader:
    """A cursor over CDR data; truncated or garbled bytes raise ValueError.

    Fixed runs of fields are stepped over by arithmetic; every count and stamp is read with
    bounds checks, and a message always ends with such a read, so a step past the end fails.
    """

    def __init__(self, data: bytes | memoryview) -> None:
        order = _ENCAPSULATIONS.get(bytes(data[:2]))
        if order is None or len(data) < 4:
            raise ValueError('not CDR: unknown encapsulation header')
        self.data = memoryview(data)[4:]
        self.pos = 0
        self._u32 = struct.Struct(order + 'I').unpack_from
        self._u64 = struct.Struct(order + 'Q').unpack_from
        self._i64 = struct.Struct(order + 'q').unpack_from
        self._stamp = struct.Struct(order + 'iI').unpack_from

    def align(self, size: int) -> None:
        self.pos += -self.pos % size

    def _read(self, unpack: Callable[[memoryview, int], tuple], size: int) -> tuple:
        self.align(size)
        try:
            values = unpack(self.data, self.pos)
        except struct.error:
            raise ValueError(f'truncated at byte {self.pos}') from None
        self.pos += size
        return values

    def u32(self) -> int:
        return self._read(self._u32, 4)[0]

    def u64(self) -> int:
        return self._read(self._u64, 8)[0]

    def i64(self) -> int:
        return self._read(self._i64, 8)[0]

    def stamp_ns(self) -> int:
        self.align(4)
        try:
            sec, nanosec = self._stamp(self.data, self.pos)
        except struct.error:
            raise ValueError(f'truncated at byte {self.pos}') from None
        self.pos += 8
        return sec * _NS_PER_S + nanosec

    def skip_sized(self) -> int:
        """Skip a string or byte sequence (uint32 count, then the bytes); return its start."""
        size = self.u32()
        start = self.pos
        self.pos += size
        if self.pos > len(self.data):
            raise ValueError(f'truncated at byte {start}')
        return start

    def string(self) -> str:
        start = self.skip_sized()
        return bytes(self.data[start:max(self.pos - 1, start)]).decode()   # drop the NUL

    def skip_header(self) -> None:
        self.align(4)
        self.pos += 8                  # stamp
        self.skip_sized()              # frame_id


def _skip_camera_frame_rest(reader: _Reader) -> None:
    """Step over a CameraFrame's fields after capture_stamp (see CameraFrame.msg)."""
    reader.pos += 1                    # stamp_source
    reader.align(8)
    reader.pos += 8 + 16 + 8           # stamp_uncertainty_ns, read_start/end_stamp, sequence
    reader.pos += 4 + 4 + 1            # dropped_frames, reconnects, payload
    reader.skip_header()               # image: header, height, width, encoding, ...
    reader.align(4)
    reader.pos += 8
    reader.skip_sized()
    reader.pos += 1                    # is_bigendian
    reader.align(4)
    reader.pos += 4                    # step
    reader.skip_sized()                # data
    reader.skip_header()               # compressed_image: header, format, data
    reader.skip_sized()
    reader.skip_sized()


def read_head(data: bytes | memoryview) -> tuple[str, int]:
    """Return (client_id, tick) without walking the frames (cheap on full-image sets)."""
    reader = _Reader(data)
    reader.skip_header()
    client_id = reader.string()
    return client_id, reader.u64()


def from_cdr(data: bytes) -> TimingSet:
    """Read a serialized SyncedFrameSet; raise ValueError when the bytes are not one."""
    reader = _Reader(data)
    scheduled_ns = reader.stamp_ns()
    reader.skip_sized()                # header.frame_id
    client_id = reader.string()
    tick = reader.u64()
    period = reader.i64()
    delay = reader.i64()
    reader.pos += 16                   # phase_delay_sequence, clock_offset_ns (8-aligned)
    frames = reader.u32()
    if frames > MAX_FRAMES:
        raise ValueError(f'{frames} frames (at most {MAX_FRAMES})')
    stamps = []
    for _ in range(frames):
        reader.skip_sized()            # channel_id
        reader.skip_sized()            # camera_id
        stamps.append(reader.stamp_ns())
        _skip_camera_frame_rest(reader)
    missing = reader.u32()
    for _ in range(missing):
        reader.skip_sized()
    return TimingSet(client_id, tick, period, scheduled_ns, delay, stamps, missing)
