"""Frame throughput between two hosts: our ROS 2 transport vs the ZeroMQ + protobuf baseline.

Each variant runs a publisher on one simulated host and a subscriber on another, pushing
640x480 bgr8 frames as fast as they go; the subscriber counts what arrives. Bytes received on
the subscriber's interface show whether data really crossed the network (Fast DDS may use
shared memory between namespaces of one machine, which real separate hosts cannot).

    python -m compound_eyes_rig.bench.transport --duration 10 --json OUT.json
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from compound_eyes.nodes.dds_profile import PROFILE_VARIABLE
from compound_eyes.signals import run_interruptible
from compound_eyes_rig.bench.cpu import CpuSampler
from compound_eyes_rig.bench.dds_profiles import profile_env, with_udp_max_message_size
from compound_eyes_rig.bench.image_fill import time_fill_methods
from compound_eyes_rig.bench.netns import (
    ETHERNET_MTU,
    JUMBO_MTU,
    Host,
    NamespacesUnavailable,
    Testbed,
)
from compound_eyes_rig.bench.stats import BenchResult, Target

TARGET_RATIO = 1.0
# Each received frame is a fresh ~1 MB buffer; by default glibc returns freed ones to the
# kernel and faults every page in again for the next (a third of the subscriber's CPU).
_KEEP_FREED_HEAP = {'MALLOC_MMAP_THRESHOLD_': str(32 << 20),
                    'MALLOC_TRIM_THRESHOLD_': str(256 << 20)}
_IP_UDP_HEADERS = 28  # IPv4 (20) + UDP (8): a datagram this much below the MTU is not cut
_PEERS = {'ros': 'compound_eyes_rig.bench.peers.ros_image',
          'zmq': 'compound_eyes_rig.bench.peers.zmq_image'}


@dataclass(frozen=True)
class Variant:
    """One way of moving frames; the orchestrator runs each the same way."""

    name: str
    transport: str  # 'ros' (ours) or 'zmq' (the baseline)
    payload: str = 'raw'
    reliability: str = 'reliable'
    depth: int = 5
    history: str = 'keep_last'  # keep_all: the writer waits for acks, as TCP waits for window
    shipped_profile: bool = False  # the shipped Fast DDS profile; else Fast DDS defaults
    builtin_transports: str | None = None  # FASTDDS_BUILTIN_TRANSPORTS, None = Fast DDS default
    serialized_sub: bool = False  # subscriber takes CDR bytes, as a recorder would
    preserialized_pub: bool = False  # publisher hands rclpy CDR bytes, no message conversion
    mtu: int = ETHERNET_MTU  # of every link of the simulated network
    udp_max_message_size: int | None = None  # shipped profile with UDP datagrams capped
    publication_mode: str | None = None  # RMW_FASTRTPS_PUBLICATION_MODE, None = rmw default
    keep_freed_heap: bool = False  # glibc keeps freed frame buffers instead of unmapping them

    def peer_command(self, role: str, duration: float, pub_address: str) -> list[str]:
        """Command line of this variant's peer in the given role."""
        args = [sys.executable, '-m', _PEERS[self.transport], role, '--duration', str(duration),
                '--payload', self.payload, '--depth', str(self.depth)]
        if self.transport == 'ros':
            args += ['--reliability', self.reliability, '--history', self.history]
            args += ['--serialized'] if self.serialized_sub and role == 'sub' else []
            args += ['--preserialized'] if self.preserialized_pub and role == 'pub' else []
        elif role == 'sub':
            args += ['--address', pub_address]
        return args

    def env(self, base: dict[str, str], scratch: Path) -> dict[str, str]:
        """Environment for both peers: profile, builtin transports, publication mode.

        A derived profile is written into scratch.
        """
        env = dict(base)
        env.pop(PROFILE_VARIABLE, None)
        if self.udp_max_message_size:
            env.update(profile_env(with_udp_max_message_size(
                scratch / f'udp_max_{self.udp_max_message_size}.xml', self.udp_max_message_size)))
        elif self.shipped_profile:
            env.update(profile_env())
        if self.builtin_transports:
            env['FASTDDS_BUILTIN_TRANSPORTS'] = self.builtin_transports
        if self.publication_mode:
            env['RMW_FASTRTPS_PUBLICATION_MODE'] = self.publication_mode
        if self.keep_freed_heap:
            env.update(_KEEP_FREED_HEAP)
        return env


VARIANTS = (
    Variant('zmq+protobuf raw', 'zmq', depth=1000),
    Variant('zmq+protobuf jpeg', 'zmq', payload='jpeg', depth=1000),
    Variant('ros reliable d5 (plain)', 'ros'),
    Variant('ros best_effort d5', 'ros', reliability='best_effort'),
    Variant('ros reliable d5 profile', 'ros', shipped_profile=True),
    Variant('ros best_effort d5 profile', 'ros', reliability='best_effort', shipped_profile=True),
    Variant('ros reliable d20 profile', 'ros', depth=20, shipped_profile=True),
    Variant('ros reliable d5 LARGE_DATA(tcp)', 'ros', builtin_transports='LARGE_DATA'),
    Variant('ros reliable d5 LARGE_DATA 1MB', 'ros',
            builtin_transports='LARGE_DATA?max_msg_size=1MB&sockets_size=4MB'),
    Variant('ros best_effort d5 profile serialized-sub', 'ros', reliability='best_effort',
            shipped_profile=True, serialized_sub=True),
    Variant('ros best_effort d5 profile jpeg', 'ros', payload='jpeg', reliability='best_effort',
            shipped_profile=True),
    Variant('ros preserialized reliable d5 profile', 'ros', shipped_profile=True,
            preserialized_pub=True),
    Variant('ros async reliable d5 profile', 'ros', shipped_profile=True,
            publication_mode='ASYNCHRONOUS'),
    Variant('ros keepheap reliable d5 profile', 'ros', shipped_profile=True,
            keep_freed_heap=True),
    Variant('ros keepheap mtu9000 reliable d5 profile', 'ros', shipped_profile=True,
            keep_freed_heap=True, mtu=JUMBO_MTU),
    Variant('ros keepall3 reliable profile', 'ros', depth=3, history='keep_all',
            shipped_profile=True),
    Variant('ros keepall3 keepheap reliable profile', 'ros', depth=3, history='keep_all',
            shipped_profile=True, keep_freed_heap=True),
    Variant('zmq+protobuf mtu9000 raw', 'zmq', depth=1000, mtu=JUMBO_MTU),
    Variant('ros mtu9000 reliable d5 profile', 'ros', shipped_profile=True, mtu=JUMBO_MTU),
    Variant('ros mtu9000 best_effort d5 profile', 'ros', reliability='best_effort',
            shipped_profile=True, mtu=JUMBO_MTU),
    Variant('ros mtu9000 udp8972 reliable d5 profile', 'ros', shipped_profile=True,
            mtu=JUMBO_MTU, udp_max_message_size=JUMBO_MTU - _IP_UDP_HEADERS),
)


def _last_json_line(text: str) -> dict[str, Any]:
    lines = [line for line in text.splitlines() if line.startswith('{')]
    if not lines:
        raise RuntimeError(f'peer printed no report: {text[-500:]!r}')
    return json.loads(lines[-1])


def _stop(proc: subprocess.Popen) -> None:
    """Kill a peer's whole session (ip netns exec and python are one session)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def run_variant(variant: Variant, pub: Host | None, sub: Host | None, duration: float,
                env: dict[str, str]) -> dict[str, Any]:
    """Run one publisher/subscriber pair; return the subscriber's counts plus costs."""
    pub_address = pub.address if pub else '127.0.0.1'
    peers: list[subprocess.Popen] = []
    try:
        for host, role in ((sub, 'sub'), (pub, 'pub')):
            prefix = host.prefix if host else []
            peers.append(subprocess.Popen(
                [*prefix, *variant.peer_command(role, duration, pub_address)], env=env,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                start_new_session=True))
            time.sleep(0.3)  # subscriber first, so nothing is lost to a late joiner
        sampler = CpuSampler({'subscriber': [peers[0].pid], 'publisher': [peers[1].pid]})
        wire_before = sub.rx_bytes() if sub else None
        overflows_before = sub.udp_receive_buffer_errors() if sub else None
        sampler.start()
        give_up = time.monotonic() + duration + 90
        while peers[1].poll() is None and time.monotonic() < give_up:
            sampler.sample()  # keep readings fresh: an exited process leaves /proc
            time.sleep(0.2)
        cpu = sampler.stop()
        pub_out, pub_err = peers[1].communicate(timeout=10)
        sub_out, sub_err = peers[0].communicate(timeout=60)
        result = _last_json_line(sub_out + sub_err)
        pub_report = _last_json_line(pub_out + pub_err)
        result['sent'] = pub_report.get('sent')
        result['publish_failed'] = pub_report.get('publish_failed', 0)
        result['cpu_percent'] = cpu
        if sub is not None:
            result['wire_mb'] = (sub.rx_bytes() - wire_before) / 1e6
            result['udp_rcvbuf_errors'] = sub.udp_receive_buffer_errors() - overflows_before
            payload_mb = result['payload_mb_s'] * result['window_s']
            result['crossed_network'] = result['wire_mb'] >= 0.5 * payload_mb
        return result
    finally:
        for proc in peers:
            _stop(proc)


def _other_runnable() -> int:
    """Count processes runnable elsewhere on the machine now (from /proc/loadavg)."""
    running = Path('/proc/loadavg').read_text().split()[3].split('/')[0]
    return max(int(running) - 1, 0)


def _fill_timings() -> dict[str, float]:
    """How long each way of filling Image.data takes for one 640x480 bgr8 frame (ms)."""
    from sensor_msgs.msg import Image  # noqa: PLC0415 - only needed for this measurement

    from compound_eyes_rig.bench.peers.common import frame_payload  # noqa: PLC0415
    return time_fill_methods(Image, frame_payload('raw')[0])


def _set_codec_timings(cameras: int = 4, repeats: int = 20) -> dict[str, float]:
    """Median ms to serialize / deserialize a SyncedFrameSet of 640x480 bgr8 frames in rclpy.

    The multi-host throughput scenario's clients publish and its collector reads such sets;
    these are the Python-side costs of each, without DDS.
    """
    from builtin_interfaces.msg import Time  # noqa: PLC0415 - only needed for this measurement
    from compound_eyes_msgs.msg import CameraFrame, SyncedFrameSet  # noqa: PLC0415
    from rclpy.serialization import deserialize_message, serialize_message  # noqa: PLC0415

    from compound_eyes.nodes.frame_set_msg import raw_image_msg  # noqa: PLC0415
    from compound_eyes_rig.bench.peers.common import frame_payload  # noqa: PLC0415
    payload, encoding = frame_payload('raw')
    message = SyncedFrameSet(frames=[
        CameraFrame(channel_id=f'cam{i}', payload=CameraFrame.PAYLOAD_RAW,
                    image=raw_image_msg(payload, encoding, 640, 480, Time(), f'cam{i}'))
        for i in range(cameras)])
    data = serialize_message(message)

    def median_ms(work: Callable[[], object]) -> float:
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            work()
            times.append(time.perf_counter() - start)
        return statistics.median(times) * 1e3
    return {'cameras': cameras,
            'serialize': median_ms(lambda: serialize_message(message)),
            'deserialize': median_ms(lambda: deserialize_message(data, SyncedFrameSet))}


def headline_ratio(rows: list[dict[str, Any]], namespaces: bool) -> tuple[float | None, str]:
    """Best honest raw ROS variant over the ZeroMQ raw fps on the same MTU, and which it was.

    The MTU changes both transports' costs (fragmentation for UDP, segments for TCP), so a
    ROS row is only compared with the baseline run on the same links.
    """
    zmq_fps = {}
    for row in rows:
        if row['transport'] == 'zmq' and row['payload'] == 'raw' and row.get('fps'):
            zmq_fps.setdefault(row['mtu'], row['fps'])
    ratios = [(row['fps'] / zmq_fps[row['mtu']], row['name']) for row in rows
              if row['transport'] == 'ros' and row['payload'] == 'raw' and row['mtu'] in zmq_fps
              and (not namespaces or row.get('crossed_network'))]
    return max(ratios) if ratios else (None, '')


def run(duration: float, variants: tuple[Variant, ...] = VARIANTS,
        use_namespaces: bool = True) -> BenchResult:
    """Run every variant once and build the scenario's result."""
    base_env = dict(os.environ)
    base_env.setdefault('ROS_DOMAIN_ID', str(1 + os.getpid() % 100))
    notes: list[str] = []
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix='ce-transport-') as tmp, ExitStack() as stack:
        base_env.setdefault('ROS_LOG_DIR', str(Path(tmp) / 'ros_log'))
        testbed: Testbed | None = None
        if use_namespaces:
            try:
                testbed = stack.enter_context(Testbed(['pub', 'sub']))
            except NamespacesUnavailable as exc:
                notes.append(f'namespaces unavailable ({exc}); ran both peers on loopback')
        pub, sub = (testbed.host('pub'), testbed.host('sub')) if testbed else (None, None)
        if testbed is None:
            base_env['ROS_AUTOMATIC_DISCOVERY_RANGE'] = 'LOCALHOST'
        for variant in variants:
            row = {**asdict(variant), 'other_runnable_at_start': _other_runnable()}
            if testbed is not None:
                testbed.set_mtu(variant.mtu)
            elif variant.mtu != ETHERNET_MTU:
                row.update({'fps': 0.0, 'error': 'an MTU variant needs namespaces'})
                rows.append(row)
                continue
            try:
                row.update(run_variant(variant, pub, sub, duration,
                                       variant.env(base_env, Path(tmp))))
            except (RuntimeError, subprocess.TimeoutExpired) as exc:  # report, run the rest
                row.update({'fps': 0.0, 'error': str(exc)[-300:]})
            rows.append(row)
            print(_format_row(row), flush=True)
    ratio, best = headline_ratio(rows, testbed is not None)
    notes.append(f'ratio uses the best raw ROS variant that crossed the network, over the '
                 f'baseline on the same MTU: {best!r}')
    notes.append('fps of publishers is unbounded: frames are pushed as fast as they go')
    zmq_cpu = next((r['cpu_percent'] for r in rows if r['transport'] == 'zmq'), {})
    ours_cpu = next((r['cpu_percent'] for r in rows if r['name'] == best), {})
    cpu = {f'zmq_{k}': v for k, v in zmq_cpu.items()} | {f'ours_{k}': v
                                                           for k, v in ours_cpu.items()}
    return BenchResult(
        scenario='transport', clients=1, cameras_per_client=1, fps=None, duration_s=duration,
        namespaces=testbed is not None, processes_sharing_cores=2, cpu_percent=cpu,
        ours_over_zmq_fps=ratio,
        targets={'ours_over_zmq_fps': Target(TARGET_RATIO, ratio, at_least=True)},
        notes=notes, details={'variants': rows, 'fill_ms': _fill_timings(),
                              'set_codec_ms': _set_codec_timings()})


_COLUMNS = (('name', 34, '{}'), ('fps', 8, '{:.0f}'), ('payload_mb_s', 8, '{:.0f}'),
            ('wire_mb', 8, '{:.0f}'), ('udp_rcvbuf_errors', 7, '{}'),
            ('latency_ms_median', 8, '{:.1f}'), ('crossed_network', 6, '{}'))


def _format_row(row: dict[str, Any]) -> str:
    cells = []
    for key, width, fmt in _COLUMNS:
        value = row.get(key)
        cells.append(('-' if value is None else fmt.format(value)).rjust(width))
    return ' '.join(cells)


def main() -> None:
    """Run the benchmark, print a table, write JSON if asked."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--duration', type=float, default=10.0, help='seconds per variant')
    parser.add_argument('--json', type=Path, help='write the result document here')
    parser.add_argument('--only', default='',
                        help='comma-separated texts; run only variants whose name contains one')
    parser.add_argument('--no-namespaces', action='store_true',
                        help='run both peers on loopback in the current namespace')
    args = parser.parse_args()
    print(' '.join(name.rjust(width) for name, width, _ in _COLUMNS))
    wanted = args.only.split(',')
    variants = tuple(v for v in VARIANTS if any(text in v.name for text in wanted))
    result = run_interruptible('transport bench', lambda: run(
        args.duration, variants, not args.no_namespaces).to_dict())
    print(f"processes sharing the {result['host']['cpu_count']} cores: "
          f"{result['host']['processes_sharing_cores']} (publisher + subscriber)")
    print(f"namespaces: {result['namespaces']}; ours/zmq fps: "
          f"{result['ratio']['ours_over_zmq_fps']}")
    print('fill ms:', json.dumps(result['details']['fill_ms']))
    print('set codec ms:', json.dumps(result['details']['set_codec_ms']))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == '__main__':
    main()
