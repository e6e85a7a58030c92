"""The two ends of the discovery benchmark, each printing wall-clock instants as JSON lines.

`talk` is a client as discovery sees it: one participant publishing timing sets at the capture
rate on /<client_id>/synced_frames/timing. `listen` finds clients the way the server node
does (listing the graph for timing topics, a super client under a discovery server) and
reports the first set of every client_id it hears. Both use the shipped Fast DDS profile, as
the product's nodes do. Network namespaces share one kernel clock, so instants compare across
hosts. Lines: 'start' (just before rclpy.init), 'ready' (node created), then 'topic' and
'heard' (listen).

    python -m compound_eyes_rig.bench.peers.discovery_probe talk --namespace NS --client-id ID
    python -m compound_eyes_rig.bench.peers.discovery_probe listen [--poll S]
"""
from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from functools import partial

from compound_eyes_msgs.msg import FrameSetTiming
from rclpy.node import Node

from compound_eyes.discovery_server import see_whole_graph
from compound_eyes.interfaces import schema
from compound_eyes.nodes.dds_profile import use_large_frame_profile
from compound_eyes.nodes.lifecycle import run_until_signal
from compound_eyes.nodes.qos import TIMING_QOS

RATE_HZ = 30.0
DEFAULT_POLL_S = 0.05


def say(kind: str, **fields: object) -> None:
    """Print one JSON line at once: the orchestrator reads them while the probe runs."""
    print(json.dumps({'k': kind, 't': time.time_ns(), **fields}), flush=True)


class Talker(Node):
    """Publishes a small timing set per tick, as a client's node does."""

    def __init__(self, namespace: str, client_id: str) -> None:
        super().__init__('compound_eyes_discovery_talker', namespace=namespace)
        self.client_id = client_id
        self.tick = 0
        self.publisher = self.create_publisher(FrameSetTiming, schema.SYNCED_FRAMES_TIMING,
                                               TIMING_QOS)
        self.create_timer(1.0 / RATE_HZ, self._publish)

    def _publish(self) -> None:
        self.publisher.publish(FrameSetTiming(client_id=self.client_id, tick=self.tick))
        self.tick += 1


class Listener(Node):
    """Subscribes to every timing topic it finds; says when each client_id is first heard."""

    def __init__(self, poll_s: float) -> None:
        super().__init__('compound_eyes_discovery_listener')
        self._subscribed: set[str] = set()
        self._heard: set[str] = set()
        self.create_timer(poll_s, self._discover)

    def _discover(self) -> None:
        for name, types in self.get_topic_names_and_types():
            if name in self._subscribed or not schema.is_client_timing(name, types):
                continue
            self._subscribed.add(name)
            self.create_subscription(FrameSetTiming, name, self._on_set, TIMING_QOS)
            say('topic', topic=name)

    def _on_set(self, message: FrameSetTiming) -> None:
        if message.client_id not in self._heard:
            self._heard.add(message.client_id)
            say('heard', client=message.client_id)


def main(argv: list[str] | None = None) -> int:
    """Run one end until SIGINT/SIGTERM; the first line says when its participant started."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('role', choices=('talk', 'listen'))
    parser.add_argument('--namespace', default='client', help='talk: the node namespace')
    parser.add_argument('--client-id', default='client', help='talk: client_id in the sets')
    parser.add_argument('--poll', type=float, default=DEFAULT_POLL_S,
                        help=f'listen: graph poll period in s (default {DEFAULT_POLL_S})')
    args = parser.parse_args(argv)
    use_large_frame_profile()
    if args.role == 'listen':
        see_whole_graph()
        make: Callable[[], Node] = partial(Listener, args.poll)
    else:
        make = partial(Talker, args.namespace, args.client_id)
    say('start', role=args.role)
    return run_until_signal(f'discovery {args.role}', [], make, lambda node: say('ready'),
                            lambda node: None)


if __name__ == '__main__':
    raise SystemExit(main())
