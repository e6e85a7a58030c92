"""A per-camera ring of frame slots in POSIX shared memory; pixels never go through pickles.

The worker writes encoded frames into the slots and sends only (slot, generation, length) to
the parent, which copies the bytes out. Each slot starts with a generation counter used as a
seqlock: odd while the writer fills it, even when done. A reader that sees the generation it
was told before and after its copy knows the bytes are whole, so no lock is held across
processes and a worker killed mid-write cannot wedge anyone. The parent creates and unlinks
every segment; names carry a recognizable prefix so leftovers can be found in /dev/shm.
"""
from __future__ import annotations

import os
import secrets
import struct
from dataclasses import dataclass
from multiprocessing import resource_tracker, shared_memory

SEGMENT_PREFIX = 'ce_'
_GEN = struct.Struct('Q')
_ALIGN = 64


def segment_prefix(pid: int | None = None) -> str:
    """Return the name prefix of the segments a process owns: ce_<pid>_."""
    return f'{SEGMENT_PREFIX}{os.getpid() if pid is None else pid}_'


def new_segment_name(tag: str) -> str:
    """Return a fresh segment name owned by this process, e.g. ce_1234_ring0_3fa9c1."""
    return f'{segment_prefix()}{tag}_{secrets.token_hex(3)}'


def release_segment(segment: shared_memory.SharedMemory, owner: bool) -> None:
    """Unmap a segment and, when this side owns it, unlink it (already gone is fine)."""
    segment.close()
    if owner:
        try:
            segment.unlink()
        except FileNotFoundError:
            pass


def attach_segment(name: str, tracked: bool = True) -> shared_memory.SharedMemory:
    """Open an existing segment; untracked for processes that are not multiprocessing children.

    A process started outside multiprocessing has its own resource tracker, which would
    unlink the segment when that process exits although the parent still owns it.
    """
    segment = shared_memory.SharedMemory(name=name)
    if not tracked:
        resource_tracker.unregister(segment._name, 'shared_memory')
    return segment


@dataclass(frozen=True)
class RingSpec:
    """What a worker needs to attach to a ring: picklable, no handles."""

    name: str
    slots: int
    slot_bytes: int

    @property
    def stride(self) -> int:
        """Return the distance between slot starts, cache-line aligned."""
        return -(-(_GEN.size + self.slot_bytes) // _ALIGN) * _ALIGN


@dataclass(frozen=True)
class SlotRef:
    """Where a written frame lives: the slot and the generation that marks it complete."""

    slot: int
    generation: int
    length: int


class FrameRing:
    """One camera's slots; the creating side owns (and unlinks) the segment."""

    def __init__(self, spec: RingSpec, segment: shared_memory.SharedMemory, owner: bool) -> None:
        self.spec = spec
        self._segment = segment
        self._owner = owner
        self._next = 0

    @classmethod
    def create(cls, tag: str, slots: int, slot_bytes: int) -> FrameRing:
        """Create a ring of `slots` slots holding up to `slot_bytes` each."""
        if slots < 2:
            raise ValueError(f'ring slots must be at least 2, got {slots}')
        if slot_bytes <= 0:
            raise ValueError(f'ring slot_bytes must be positive, got {slot_bytes}')
        spec = RingSpec(new_segment_name(tag), slots, slot_bytes)
        segment = shared_memory.SharedMemory(name=spec.name, create=True,
                                             size=spec.stride * slots)
        return cls(spec, segment, owner=True)

    @classmethod
    def attach(cls, spec: RingSpec) -> FrameRing:
        """Attach the writer side in a worker process started by multiprocessing."""
        return cls(spec, attach_segment(spec.name), owner=False)

    def write(self, data: bytes | memoryview) -> SlotRef:
        """Copy one encoded frame into the next slot and return where it is."""
        length = len(data)
        if length > self.spec.slot_bytes:
            raise ValueError(f'encoded frame of {length} bytes exceeds the ring slot of '
                             f'{self.spec.slot_bytes} bytes')
        slot = self._next
        self._next = (slot + 1) % self.spec.slots
        base = slot * self.spec.stride
        buf = self._segment.buf
        current = _GEN.unpack_from(buf, base)[0]
        writing = current + 1 if current % 2 == 0 else current + 2
        _GEN.pack_into(buf, base, writing)
        buf[base + _GEN.size:base + _GEN.size + length] = data
        _GEN.pack_into(buf, base, writing + 1)
        return SlotRef(slot, writing + 1, length)

    def read(self, ref: SlotRef) -> bytes | None:
        """Copy a frame out; None when the writer has already reused the slot."""
        if not 0 <= ref.slot < self.spec.slots or ref.length > self.spec.slot_bytes:
            raise ValueError(f'slot reference {ref} does not fit ring {self.spec}')
        base = ref.slot * self.spec.stride
        buf = self._segment.buf
        if _GEN.unpack_from(buf, base)[0] != ref.generation:
            return None
        data = bytes(buf[base + _GEN.size:base + _GEN.size + ref.length])
        return data if _GEN.unpack_from(buf, base)[0] == ref.generation else None

    def close(self) -> None:
        """Unmap the segment and, on the owning side, unlink it; safe to call twice."""
        if self._segment is None:
            return
        segment, self._segment = self._segment, None
        release_segment(segment, self._owner)

    def __enter__(self) -> FrameRing:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
