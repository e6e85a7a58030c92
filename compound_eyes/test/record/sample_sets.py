"""Test helper script: synthetic frame sets for 2 clients x 2 cameras, to DDS or a bag.

Each tick of each client is a SyncedFrameSet with pixels and its FrameSetTiming. Every image
carries the synthetic timecode of its true capture time. The capture stamp
written in the message is the true time plus a per-client stamp error, so reports can be
checked against known numbers. Ticks listed with --skip are never produced (a gap).

  python sample_sets.py --dds --rate 20             # publish until SIGINT
  python sample_sets.py --dds --best-effort         # the same with best-effort publishers
  python sample_sets.py --dds --cameras             # also per-camera image and camera info
  python sample_sets.py --dds --only client_b       # one client's topics alone
  python sample_sets.py --bag DIR --count 40        # write a bag directly
  python sample_sets.py --bag DIR --timing-only     # as a client that publishes no images
"""
from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from compound_eyes.camera import timecode
from compound_eyes.interfaces.schema import (
    CAMERA_INFO_TYPE,
    CLOCK_STATUS,
    CLOCK_STATUS_TYPE,
    FRAME_SET_TIMING_TYPE,
    IMAGE_TYPE,
    SYNC_STATUS,
    SYNC_STATUS_TYPE,
    SYNCED_FRAME_SET_TYPE,
    SYNCED_FRAMES,
    SYNCED_FRAMES_TIMING,
    LockState,
    Payload,
    StampSource,
)
from compound_eyes.record.bag_writer import SplitBagWriter
from compound_eyes.record.types import typestore

CLIENTS = {'client_a': 0, 'client_b': 2_000_000}   # client -> stamp error (ns)
CAMERAS = ('cam0', 'cam1')
CAMERA_SKEW_NS = {'cam0': 0, 'cam1': 500_000}      # true exposure offset within a client
PERIOD_NS = 50_000_000
FIRST_TICK = 35_000_000_000                        # about 55 years after the epoch
WIDTH, HEIGHT = 96, 64

T = typestore().types


def _time(ns: int) -> object:
    return T['builtin_interfaces/msg/Time'](sec=ns // 10**9, nanosec=ns % 10**9)


def _header(ns: int, frame_id: str) -> object:
    return T['std_msgs/msg/Header'](stamp=_time(ns), frame_id=frame_id)


def _image(true_ns: int, frame_id: str) -> object:
    pixels = np.full((HEIGHT, WIDTH), 90, np.uint8)
    timecode.encode_into(pixels, true_ns)
    pixels[:10, :40] = 255 if '_cam0_' in frame_id else 160
    return T['sensor_msgs/msg/Image'](
        header=_header(true_ns, frame_id), height=HEIGHT, width=WIDTH, encoding='mono8',
        is_bigendian=0, step=WIDTH, data=pixels.ravel())


def _stamp(client: str, tick: int, camera: str) -> int:
    """Return the capture stamp written for a camera: true time plus the client's error."""
    return tick * PERIOD_NS + CAMERA_SKEW_NS[camera] + CLIENTS[client]


def frame_set(client: str, tick: int) -> object:
    """Return the full set (with pixels) of one client for one tick."""
    frames = []
    for index, camera in enumerate(CAMERAS):
        true_ns = tick * PERIOD_NS + CAMERA_SKEW_NS[camera]
        stamp = _stamp(client, tick, camera)
        frames.append(T['compound_eyes_msgs/msg/CameraFrame'](
            channel_id=camera, camera_id=str(index), camera_name=f'{client}_{camera}',
            camera_info_url=f'file:///calibration/{client}_{camera}.yaml',
            capture_stamp=_time(stamp),
            stamp_source=StampSource.SYNTHETIC_TRUTH, stamp_uncertainty_ns=0,
            read_start_stamp=_time(stamp), read_end_stamp=_time(stamp + 1_000_000),
            sequence=tick, dropped_frames=0, reconnects=0, payload=Payload.RAW,
            image=_image(true_ns, f'{client}_{camera}_optical_frame'),
            compressed_image=T['sensor_msgs/msg/CompressedImage'](
                header=_header(0, ''), format='', data=np.zeros(0, np.uint8))))
    return T[SYNCED_FRAME_SET_TYPE](
        header=_header(tick * PERIOD_NS, ''), client_id=client, tick=tick,
        tick_period_ns=PERIOD_NS, phase_delay_ns=0, phase_delay_sequence=0,
        clock_offset_ns=0, frames=frames, missing_channel_ids=[])


def timing(client: str, tick: int) -> object:
    """Return the FrameSetTiming of the same set."""
    count = len(CAMERAS)
    return T[FRAME_SET_TIMING_TYPE](
        header=_header(tick * PERIOD_NS, ''), client_id=client, tick=tick,
        tick_period_ns=PERIOD_NS, phase_delay_sequence=0, clock_offset_ns=0,
        channel_ids=list(CAMERAS),
        capture_stamps_ns=np.array([_stamp(client, tick, c) for c in CAMERAS], np.int64),
        stamp_sources=np.full(count, StampSource.SYNTHETIC_TRUTH, np.uint8),
        stamp_uncertainties_ns=np.zeros(count, np.int64),
        phase_delays_ns=np.zeros(count, np.int64), missing_channel_ids=[])


def clock_status(client: str, offset_ns: int, now_ns: int) -> object:
    """Return a ClockStatus of one client."""
    return T[CLOCK_STATUS_TYPE](header=_header(now_ns, client), server='127.0.0.1',
                           measured_offset_ns=offset_ns, applied_offset_ns=offset_ns,
                           round_trip_delay_ns=100_000, stratum=8, age_s=0.5,
                           degraded=False, message='')


def sync_status(now_ns: int) -> object:
    """Return the server's SyncStatus with every client locked at its stamp error."""
    clients = [T['compound_eyes_msgs/msg/ClientSyncStatus'](
        client_id=c, lock_state=LockState.LOCKED, residual_ns=err, intra_client_spread_ns=500_000,
        delay_ns=0, last_seen=_time(now_ns), sets_received=0, sets_missed=0,
        frames_missing=0, controllable=True, uncontrollable_channel_ids=[])
        for c, err in CLIENTS.items()]
    return T[SYNC_STATUS_TYPE](header=_header(now_ns, 'server'), reference='median',
                          tick_period_ns=PERIOD_NS, clients=clients)


def camera_topics(client: str, camera: str) -> tuple[str, str]:
    """Return the per-camera image and camera info topics of one camera."""
    return f'/{client}/{camera}/image_raw', f'/{client}/{camera}/camera_info'


def _per_camera(client: str, tick: int) -> Iterator[tuple[str, str, object]]:
    """Yield one camera's sensor_msgs Image and CameraInfo for the tick, per camera."""
    for camera in CAMERAS:
        header = _header(tick * PERIOD_NS, f'{client}/{camera}')
        image_topic, info_topic = camera_topics(client, camera)
        yield image_topic, IMAGE_TYPE, T[IMAGE_TYPE](
            header=header, height=HEIGHT, width=WIDTH, encoding='mono8', is_bigendian=0,
            step=WIDTH, data=np.full(HEIGHT * WIDTH, tick % 256, np.uint8))
        yield info_topic, CAMERA_INFO_TYPE, T[CAMERA_INFO_TYPE](
            header=header, height=HEIGHT, width=WIDTH, distortion_model='plumb_bob',
            d=np.zeros(5), k=np.eye(3).ravel(), r=np.eye(3).ravel(), p=np.zeros(12),
            binning_x=0, binning_y=0,
            roi=T['sensor_msgs/msg/RegionOfInterest'](x_offset=0, y_offset=0, height=0,
                                                       width=0, do_rectify=False))


def messages(ticks: range, skip: set[tuple[str, int]], images: bool = True,
             cameras: bool = False,
             clients: tuple[str, ...] = tuple(CLIENTS)) -> Iterator[tuple[str, str, object]]:
    """Yield (topic, type, message) for every tick: sets, their timing, status at 1 Hz.

    cameras adds each camera's own image and camera info topics.
    """
    serialize_every = 1_000_000_000 // PERIOD_NS
    for tick in ticks:
        for client in clients:
            if (client, tick) in skip:
                continue
            if images:
                yield f'/{client}/{SYNCED_FRAMES}', SYNCED_FRAME_SET_TYPE, frame_set(client, tick)
            yield (f'/{client}/{SYNCED_FRAMES_TIMING}', FRAME_SET_TIMING_TYPE,
                   timing(client, tick))
            if cameras:
                yield from _per_camera(client, tick)
            if tick % serialize_every == 0:
                yield (f'/{client}/{CLOCK_STATUS}', CLOCK_STATUS_TYPE,
                       clock_status(client, 1000 * (tick % 7), tick * PERIOD_NS))
        if tick % serialize_every == 0 and clients == tuple(CLIENTS):
            yield SYNC_STATUS, SYNC_STATUS_TYPE, sync_status(tick * PERIOD_NS)


def write_bag(path: Path, ticks: range, skip: set[tuple[str, int]], max_bag_size: int,
              images: bool) -> None:
    """Write the messages straight into a bag, stamped with their tick time."""
    with SplitBagWriter(path, max_bag_size=max_bag_size) as writer:
        for topic, msgtype, msg in messages(ticks, skip, images):
            writer.add_topic(topic, msgtype)
            stamp = msg.header.stamp
            writer.write(topic, stamp.sec * 10**9 + stamp.nanosec,
                         typestore().serialize_cdr(msg, msgtype))


def publish(rate: float, ticks: range, skip: set[tuple[str, int]], best_effort: bool,
            cameras: bool, clients: tuple[str, ...]) -> None:
    """Publish serialized messages over DDS at rate sets per second per client."""
    import rclpy
    from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy

    qos = QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=50,
                     reliability=ReliabilityPolicy.BEST_EFFORT if best_effort
                     else ReliabilityPolicy.RELIABLE)
    rclpy.init()
    node = rclpy.create_node('sample_sets')
    publishers = {}
    stop = [False]
    signal.signal(signal.SIGTERM, lambda *_: stop.__setitem__(0, True))
    try:
        for topic, msgtype, msg in messages(ticks, skip, cameras=cameras, clients=clients):
            if stop[0]:
                break
            if topic not in publishers:
                package, _, name = msgtype.split('/')
                cls = getattr(__import__(f'{package}.msg', fromlist=[name]), name)
                publishers[topic] = node.create_publisher(cls, topic, qos)
            if msgtype == SYNCED_FRAME_SET_TYPE and msg.client_id == clients[0]:
                time.sleep(1 / rate)
            publishers[topic].publish(bytes(typestore().serialize_cdr(msg, msgtype)))
            print(f'published {topic} {getattr(msg, "tick", "")}', flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        node.destroy_node()
        rclpy.try_shutdown()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--bag', type=Path)
    parser.add_argument('--dds', action='store_true')
    parser.add_argument('--best-effort', action='store_true', help='publish best effort')
    parser.add_argument('--cameras', action='store_true',
                        help='also publish per-camera Image and CameraInfo topics')
    parser.add_argument('--rate', type=float, default=20.0)
    parser.add_argument('--count', type=int, default=10**9, help='ticks to produce')
    parser.add_argument('--skip', nargs='*', default=[], metavar='CLIENT:TICK_OFFSET')
    parser.add_argument('--max-bag-size', type=int, default=0)
    parser.add_argument('--only', choices=tuple(CLIENTS), help='publish this client alone')
    parser.add_argument('--timing-only', action='store_true',
                        help='no SyncedFrameSets, only their FrameSetTiming (bag only)')
    args = parser.parse_args()
    ticks = range(FIRST_TICK, FIRST_TICK + args.count)
    skip = {(c, FIRST_TICK + int(t)) for c, t in (s.split(':') for s in args.skip)}
    if args.bag:
        write_bag(args.bag, ticks, skip, args.max_bag_size, not args.timing_only)
    if args.dds:
        publish(args.rate, ticks, skip, args.best_effort, args.cameras,
                (args.only,) if args.only else tuple(CLIENTS))
    return 0


if __name__ == '__main__':
    sys.exit(main())
