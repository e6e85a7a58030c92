"""Many simulated clients in one process, feeding the server's timing path (no cameras, no pixels).

Each client publishes one FrameSetTiming per tick on /<id>/synced_frames/timing, stamped as a
triggered camera would be (scheduled tick + applied delay + the client's latency + jitter), and
applies the server's PhaseDelay, read from /<id>/phase_delay with one reader per client as a
real client does, through the client's own DelayCommandFilter, so the server runs its real
closed loop. It publishes from start_ns to stop_ns (wall clock, shared by every peer
process), counts commands received per client from measure_from_ns on, listens a little longer
and prints one JSON line (see `report`).

    python -m compound_eyes_rig.bench.peers.timing_clients --first 0 --clients 16 --cameras 8 \
        --fps 30 --start-ns N --measure-from-ns M --stop-ns S [--watch-status]
"""
from __future__ import annotations

import argparse
import functools
import time
from array import array
from typing import Any

import numpy as np
import rclpy
from builtin_interfaces.msg import Time
from compound_eyes_msgs.msg import FrameSetTiming, PhaseDelay, SyncStatus
from diagnostic_msgs.msg import DiagnosticArray
from rclpy.node import Node

from compound_eyes.config.client import ClientConfig
from compound_eyes.interfaces import schema
from compound_eyes.interfaces.schema import StampSource
from compound_eyes.interfaces.stamps import ns_from_time
from compound_eyes.nodes.diagnostic_status import status_name
from compound_eyes.nodes.lifecycle import init_ros
from compound_eyes.nodes.qos import COMMAND_QOS, STATUS_QOS, TIMING_QOS
from compound_eyes.nodes.server_node import NODE_NAME as SERVER_NODE
from compound_eyes.nodes.sync_status_msg import INPUT_TASK
from compound_eyes.phase.command_filter import DelayCommandFilter, OfferVerdict
from compound_eyes.signals import run_interruptible
from compound_eyes_rig.bench.peers.common import print_report

_JITTER_NS = 50_000
_SERVER_INPUT_STATUS = status_name(SERVER_NODE, INPUT_TASK)
_NS_PER_S = 1_000_000_000


def _set_stamp(stamp: Time, ns: int) -> None:
    stamp.sec, stamp.nanosec = divmod(ns, _NS_PER_S)


class SimulatedClients:
    """The clients of this process: their publishers, delay filters and counters."""

    def __init__(self, node: Node, args: argparse.Namespace) -> None:
        self.cameras = args.cameras
        client = ClientConfig(fps=args.fps)     # a real client's defaults at this rate
        self.period_ns = client.period_ns
        self.measure_ns, self.stop_ns = args.measure_from_ns, args.stop_ns
        self.ids = [f'sim{i:03d}' for i in range(args.first, args.first + args.clients)]
        rng = np.random.default_rng(args.first)
        self.latency_ns = [int(v) for v in rng.uniform(1e6, 9e6, len(self.ids))]
        self.rng = rng
        self.filters = {cid: DelayCommandFilter(cid, self.period_ns,
                                                client.max_delay_slew_ns_per_tick,
                                                initial_delay_ns=client.initial_delay_ns)
                        for cid in self.ids}
        self.publishers = [node.create_publisher(
            FrameSetTiming, f'/{cid}/{schema.SYNCED_FRAMES_TIMING}', TIMING_QOS)
            for cid in self.ids]
        self.messages = [self._message(cid) for cid in self.ids]   # reused: only stamps change
        self.sent = 0
        self.matched = [False] * len(self.ids)   # the server subscribed: sets can arrive
        self.unmatched = 0
        self.publish_s = 0.0
        self.commands: dict[str, int] = dict.fromkeys(self.ids, 0)
        self.refused: dict[str, int] = {}
        self.misrouted_commands = 0    # on this client's topic, for another
        self.last_status: SyncStatus | None = None
        self.last_diagnostics: DiagnosticArray | None = None
        self.accepted_in_window: list[tuple[int, int]] = []   # (wall ns, server's count)
        # As in a real rig, each client reads its own namespace's command topic.
        for cid in self.ids:
            node.create_subscription(PhaseDelay, f'/{cid}/{schema.PHASE_DELAY}',
                                     functools.partial(self._on_command, cid), COMMAND_QOS)
        if args.watch_status:
            node.create_subscription(SyncStatus, schema.SYNC_STATUS, self._on_status, STATUS_QOS)
            node.create_subscription(DiagnosticArray, schema.DIAGNOSTICS, self._on_diagnostics,
                                     STATUS_QOS)

    def _on_command(self, cid: str, msg: PhaseDelay) -> None:
        """Vet a command read on cid's topic as that client would (another id is refused)."""
        if msg.client_id != cid:
            self.misrouted_commands += 1
        now = time.time_ns()
        verdict = self.filters[cid].offer(msg.client_id, msg.tick_period_ns, msg.delay_ns,
                                          msg.sequence, ns_from_time(msg.expires), now)
        if verdict is not OfferVerdict.ACCEPTED:
            self.refused[verdict.value] = self.refused.get(verdict.value, 0) + 1
        if self.measure_ns <= now < self.stop_ns:
            self.commands[cid] += 1

    def _on_status(self, msg: SyncStatus) -> None:
        self.last_status = msg

    def _on_diagnostics(self, msg: DiagnosticArray) -> None:
        self.last_diagnostics = msg
        now = time.time_ns()
        if self.measure_ns <= now < self.stop_ns:
            for status in msg.status:
                if status.name == _SERVER_INPUT_STATUS:
                    values = {v.key: v.value for v in status.values}
                    self.accepted_in_window.append((now, int(values['sets_accepted'])))

    def _message(self, cid: str) -> FrameSetTiming:
        msg = FrameSetTiming(client_id=cid, tick_period_ns=self.period_ns)
        msg.header.frame_id = cid
        msg.channel_ids = [f'cam{c}' for c in range(self.cameras)]
        msg.stamp_sources = array('B', [StampSource.DRIVER_BUFFER] * self.cameras)
        msg.stamp_uncertainties_ns = array('q', [0] * self.cameras)
        return msg

    def publish_tick(self, tick: int) -> None:
        """Publish every client's set of one tick (called once that tick's capture is past)."""
        scheduled = tick * self.period_ns
        jitter = self.rng.normal(0.0, _JITTER_NS, (len(self.ids), self.cameras)).astype(int)
        begin = time.perf_counter()
        for row, (cid, msg) in enumerate(zip(self.ids, self.messages, strict=True)):
            delay_filter = self.filters[cid]
            delay = delay_filter.next_delay()
            base = scheduled + delay + self.latency_ns[row]
            if not self.matched[row]:
                self.matched[row] = self.publishers[row].get_subscription_count() > 0
                if not self.matched[row]:
                    self.unmatched += 1     # nobody listens yet: not a loss to count
                    continue
            msg.tick = tick
            msg.phase_delay_sequence = delay_filter.sequence
            _set_stamp(msg.header.stamp, scheduled)
            msg.capture_stamps_ns = array('q', (base + jitter[row]).tolist())
            msg.phase_delays_ns = array('q', [delay] * self.cameras)
            self.publishers[row].publish(msg)
        self.publish_s += time.perf_counter() - begin
        self.sent += sum(self.matched)

    def report(self) -> dict[str, Any]:
        """Return the measured window's counts, the server's last status and input counters."""
        window_s = (self.stop_ns - self.measure_ns) / 1e9
        result: dict[str, Any] = {
            'clients': self.ids, 'sets_sent': self.sent, 'sets_not_sent_unmatched': self.unmatched,
            'publish_ms_per_set': 1e3 * self.publish_s / max(self.sent, 1),
            'commands_per_s': {cid: n / window_s for cid, n in self.commands.items()},
            'commands_refused': self.refused, 'misrouted_commands': self.misrouted_commands,
        }
        if self.last_status is not None:
            result['status'] = {c.client_id: {'lock_state': c.lock_state,
                                              'sets_received': c.sets_received,
                                              'sets_missed': c.sets_missed}
                                for c in self.last_status.clients}
        if self.last_diagnostics is not None:
            result['server_input'] = next(({v.key: v.value for v in s.values}
                                           for s in self.last_diagnostics.status
                                           if s.name == _SERVER_INPUT_STATUS), {})
        if len(self.accepted_in_window) >= 2:
            (t0, n0), (t1, n1) = self.accepted_in_window[0], self.accepted_in_window[-1]
            result['accepted_per_s_in_window'] = (n1 - n0) / ((t1 - t0) / 1e9)
        return result


def run(node: Node, args: argparse.Namespace) -> dict[str, Any]:
    """Publish from start_ns to stop_ns on the tick grid, serving callbacks in between."""
    clients = SimulatedClients(node, args)
    executor = rclpy.get_global_executor()
    executor.add_node(node)
    period = clients.period_ns
    tick = max(time.time_ns(), args.start_ns) // period
    linger_until = args.stop_ns + round(args.linger_s * 1e9)
    while time.time_ns() < linger_until:
        due = (tick + 1) * period          # publish tick k once tick k+1 begins
        while (now := time.time_ns()) < due:
            executor.spin_once(timeout_sec=(due - now) / 1e9)
        if args.start_ns <= tick * period < args.stop_ns:
            clients.publish_tick(tick)
        tick = max(tick + 1, time.time_ns() // period - 1)   # skip ticks when late
    return clients.report()


def main() -> None:
    """Parse arguments, run inside one rclpy context, print the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--first', type=int, required=True, help='index of the first client')
    parser.add_argument('--clients', type=int, required=True)
    parser.add_argument('--cameras', type=int, default=8)
    parser.add_argument('--fps', type=float, default=30.0)
    parser.add_argument('--start-ns', type=int, required=True, help='wall clock: begin sets')
    parser.add_argument('--measure-from-ns', type=int, required=True,
                        help='wall clock: begin counting commands')
    parser.add_argument('--stop-ns', type=int, required=True, help='wall clock: end sets')
    parser.add_argument('--linger-s', type=float, default=2.0,
                        help='keep receiving status this long after stop')
    parser.add_argument('--watch-status', action='store_true',
                        help='also record the last /sync_status and /diagnostics')
    args = parser.parse_args()

    def serve() -> None:
        init_ros()
        node = rclpy.create_node(f'timing_clients_{args.first}')
        try:
            print_report(run(node, args))
        finally:
            node.destroy_node()
            rclpy.try_shutdown()

    run_interruptible('timing clients', serve)


if __name__ == '__main__':
    main()
