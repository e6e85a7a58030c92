"""Sync-quality numbers gathered from a bag in one pass over its messages.

Stamps of a set come from the full-image SyncedFrameSet or its FrameSetTiming (the same
numbers), so each (client, tick) is counted once. Drop and reconnect counters are only in the
full sets. The true stamp error needs pixels with the synthetic timecode; frames without one
simply do not contribute.
"""
from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from compound_eyes.export.frames import camera_frames
from compound_eyes.interfaces.images import frame_image
from compound_eyes.interfaces.schema import (
    CLOCK_STATUS_TYPE,
    FRAME_SET_TIMING_TYPE,
    SYNC_STATUS_TYPE,
    SYNCED_FRAME_SET_TYPE,
    LockState,
    Payload,
)
from compound_eyes.interfaces.stamps import ns_from_time
from compound_eyes.record.bag_reader import BagMessage

LOCK_STATES = {int(state): state.name for state in LockState}


def _decoder():
    """Return the timecode decoder, or None when the camera package does not provide it."""
    try:
        from compound_eyes.camera.timecode import decode
    except ImportError:
        return None
    return decode


@dataclass
class BagStats:
    """Everything the report plots and summarizes, filled by add()."""

    stamps: dict[int, dict[str, int]] = field(default_factory=lambda: defaultdict(dict))
    sets: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    pixel_cameras: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    dropped: dict[str, int] = field(default_factory=dict)
    reconnects: dict[str, int] = field(default_factory=dict)
    missing: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    status_residuals: dict[str, list[tuple[int, int]]] = field(
        default_factory=lambda: defaultdict(list))
    lock_states: dict[str, list[tuple[int, int]]] = field(
        default_factory=lambda: defaultdict(list))
    ntp: dict[str, list[tuple[int, int, int]]] = field(default_factory=lambda: defaultdict(list))
    true_errors: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    undecodable: int = 0
    decoder_available: bool = True

    def add(self, message: BagMessage) -> None:
        """Take the numbers of one recorded message."""
        if message.msgtype == SYNCED_FRAME_SET_TYPE:
            self._add_set(message)
        elif message.msgtype == FRAME_SET_TIMING_TYPE:
            self._add_timing(message.msg)
        elif message.msgtype == SYNC_STATUS_TYPE:
            t = ns_from_time(message.msg.header.stamp)
            for client in message.msg.clients:
                self.status_residuals[client.client_id].append((t, client.residual_ns))
                self.lock_states[client.client_id].append((t, client.lock_state))
        elif message.msgtype == CLOCK_STATUS_TYPE:
            self.ntp[message.msg.header.frame_id].append(
                (ns_from_time(message.msg.header.stamp), message.msg.measured_offset_ns,
                 message.msg.applied_offset_ns))

    def _add_set(self, message: BagMessage) -> None:
        msg = message.msg
        frames = list(camera_frames(message))
        self._add_stamps(msg, {name: ns_from_time(f.capture_stamp) for name, f in frames})
        for name, frame in frames:
            self.dropped[name] = max(self.dropped.get(name, 0), frame.dropped_frames)
            self.reconnects[name] = max(self.reconnects.get(name, 0), frame.reconnects)
            if frame.payload != Payload.NONE:
                self.pixel_cameras[msg.tick].add(name)
                self._add_true_error(name, frame)

    def _add_timing(self, msg: object) -> None:
        client = msg.client_id
        self._add_stamps(msg, {f'{client}/{channel}': int(stamp) for channel, stamp
                               in zip(msg.channel_ids, msg.capture_stamps_ns, strict=False)})

    def _add_stamps(self, msg: object, stamps: dict[str, int]) -> None:
        """Take the stamps of either copy of a set; count its missing channels once."""
        client = msg.client_id
        if msg.tick not in self.sets[client]:
            self.missing[client] += len(msg.missing_channel_ids)
        self.sets[client].add(msg.tick)
        self.stamps[msg.tick].update(stamps)

    def _add_true_error(self, name: str, frame: object) -> None:
        decode = _decoder()
        if decode is None:
            self.decoder_available = False
            return
        try:
            true_ns = decode(frame_image(frame))
        except ValueError:
            true_ns = None
        if true_ns is None:
            self.undecodable += 1
        else:
            self.true_errors[name].append(ns_from_time(frame.capture_stamp) - true_ns)

    def cameras(self) -> list[str]:
        """Return every client/channel a full set reported drop counters for, sorted."""
        return sorted(self.dropped)

    def spreads(self) -> dict[int, int]:
        """Return tick -> max-min capture stamp over all cameras of ticks with >= 2 clients."""
        out = {}
        for tick, per_camera in sorted(self.stamps.items()):
            if len({name.split('/')[0] for name in per_camera}) >= 2:
                out[tick] = max(per_camera.values()) - min(per_camera.values())
        return out

    def computed_residuals(self) -> dict[str, list[tuple[int, int]]]:
        """Return client -> [(tick, median own stamp - median of all stamps of the tick)]."""
        out: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for tick, per_camera in sorted(self.stamps.items()):
            if not per_camera:
                continue   # a set whose cameras were all missing has no stamp to compare
            reference = statistics.median(per_camera.values())
            by_client: dict[str, list[int]] = defaultdict(list)
            for name, stamp in per_camera.items():
                by_client[name.split('/')[0]].append(stamp)
            for client, stamps in by_client.items():
                out[client].append((tick, int(statistics.median(stamps) - reference)))
        return dict(out)

    def complete_tick(self) -> int | None:
        """Return the last tick where every camera delivered pixels, for the contact sheet.

        The last, not the first: by then the loop has locked, which is what users look for.
        """
        cameras = {name for names in self.pixel_cameras.values() for name in names}
        for tick in sorted(self.pixel_cameras, reverse=True):
            if self.pixel_cameras[tick] == cameras:
                return tick
        return None


def describe(values: list[int]) -> dict[str, float | int] | None:
    """Return count, median, p95, min, max and max |x| of values (ns), None when empty."""
    if not values:
        return None
    array = np.asarray(values, np.int64)
    return {'count': len(values), 'median': float(np.median(array)),
            'p95': float(np.percentile(array, 95)), 'min': int(array.min()),
            'max': int(array.max()), 'max_abs': int(np.abs(array).max())}
