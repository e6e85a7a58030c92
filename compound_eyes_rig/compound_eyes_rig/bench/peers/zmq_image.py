"""The baseline transport: ZeroMQ PUB/SUB with one protobuf Image per frame.

Run as `python -m compound_eyes_rig.bench.peers.zmq_image pub|sub ...`; the subscriber prints its
counts as one JSON line when the publisher has gone quiet.
"""
from __future__ import annotations

import argparse
import time

import zmq
from compound_eyes_proto.video_pb2 import Image

from compound_eyes.signals import run_interruptible
from compound_eyes_rig.bench.peers.common import (
    ReceiveCounter,
    add_common_arguments,
    frame_payload,
    print_report,
)


def publish(args: argparse.Namespace) -> None:
    """Bind, give subscribers time to connect, then send frames as fast as they go."""
    payload, fmt = frame_payload(args.payload)
    context = zmq.Context()
    socket = context.socket(zmq.PUB)
    socket.setsockopt(zmq.SNDHWM, args.depth)
    socket.bind(f'tcp://*:{args.port}')
    time.sleep(args.warmup)  # PUB drops until the subscription arrives ("slow joiner")
    sent = 0
    deadline = time.monotonic() + args.duration
    while time.monotonic() < deadline:
        message = Image(timestamp=time.time_ns(), cols=640, rows=480, channels=3, format=fmt,
                        image_bytes=payload, channel_id='cam0')
        socket.send(message.SerializeToString())
        sent += 1
    socket.close(linger=1000)
    context.term()
    print_report({'sent': sent})


def subscribe(args: argparse.Namespace) -> None:
    """Receive frames until the publisher has been quiet for --idle seconds."""
    context = zmq.Context()
    socket = context.socket(zmq.SUB)
    socket.setsockopt(zmq.RCVHWM, args.depth)
    socket.setsockopt(zmq.SUBSCRIBE, b'')
    socket.connect(f'tcp://{args.address}:{args.port}')
    counter = ReceiveCounter(args.idle, args.timeout)
    while not counter.finished():
        if socket.poll(100):
            data = socket.recv()
            message = Image.FromString(data)
            counter.add(len(message.image_bytes), len(data), message.timestamp)
    socket.close(linger=0)
    context.term()
    print_report(counter.report())


def main() -> None:
    """Parse the role and run it."""
    parser = argparse.ArgumentParser(description=__doc__)
    add_common_arguments(parser)
    parser.add_argument('--address', default='127.0.0.1', help='publisher address (sub only)')
    parser.add_argument('--port', type=int, default=5555)
    args = parser.parse_args()
    run_interruptible(f'zmq_image {args.role}',
                      lambda: (publish if args.role == 'pub' else subscribe)(args))


if __name__ == '__main__':
    main()
