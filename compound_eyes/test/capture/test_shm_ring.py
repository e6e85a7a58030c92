"""The shared-memory frame ring across a real spawned process."""
from __future__ import annotations

import multiprocessing
import os

import pytest

from compound_eyes.capture.shm_ring import FrameRing, RingSpec, SlotRef, segment_prefix


def write_frames(spec: RingSpec, count: int, conn) -> None:
    ring = FrameRing.attach(spec)
    try:
        for index in range(count):
            ref = ring.write(bytes([index]) * (100 + index))
            conn.send((ref.slot, ref.generation, ref.length))
    finally:
        ring.close()
        conn.close()


def test_frames_written_by_another_process_read_back_until_overwritten() -> None:
    context = multiprocessing.get_context('spawn')
    with FrameRing.create('ringtest', slots=3, slot_bytes=1000) as ring:
        assert ring.spec.name.startswith(segment_prefix())
        reader, writer = context.Pipe(duplex=False)
        process = context.Process(target=write_frames, args=(ring.spec, 5, writer))
        process.start()
        try:
            refs = [SlotRef(*reader.recv()) for _ in range(5)]
        finally:
            process.join(30)
            if process.is_alive():
                process.kill()
        assert ring.read(refs[4]) == bytes([4]) * 104
        assert ring.read(refs[3]) == bytes([3]) * 103
        assert ring.read(refs[0]) is None  # slot 0 was reused by frame 3
        name = ring.spec.name
    assert name not in os.listdir('/dev/shm')


def test_oversized_frame_and_bad_sizes_are_rejected() -> None:
    with pytest.raises(ValueError, match='slots'):
        FrameRing.create('ringtest', slots=1, slot_bytes=10)
    with pytest.raises(ValueError, match='slot_bytes'):
        FrameRing.create('ringtest', slots=2, slot_bytes=0)
    with FrameRing.create('ringtest', slots=2, slot_bytes=10) as ring:
        with pytest.raises(ValueError, match='exceeds the ring slot'):
            ring.write(b'x' * 11)
