"""Malformed and hostile messages for any ROS type, published raw and through rclpy.

What an attacker or a broken peer on the same domain can send: random bytes, truncated or
bit-flipped CDR of a valid message, sequence lengths of two billion, an unknown
encapsulation, and well-formed messages whose every field holds an absurd value (extreme
integers, NaN, empty and 100 kB strings, long sequences). Kinds cycle so every kind reaches
every topic.

    python -m compound_eyes_rig.hostile_traffic --count 10000 --rate 2000 \
        /phase_delay=compound_eyes_msgs/msg/PhaseDelay [TOPIC=TYPE ...]
"""
from __future__ import annotations

import argparse
import importlib
import random
import struct
import sys
import time
from collections.abc import Callable
from typing import Any

from compound_eyes.signals import run_interruptible

_INT_RANGES = {f'{sign}int{bits}': ((0, 2**bits - 1) if sign == 'u'
                                     else (-(2**(bits - 1)), 2**(bits - 1) - 1))
               for sign in ('', 'u') for bits in (8, 16, 32, 64)}
_INT_RANGES.update(octet=(0, 255), byte=(0, 255), char=(0, 255))
_ABSURD_FLOATS = (float('nan'), float('inf'), float('-inf'), 1e308, -1e308, 0.0)
_LONG_STRING = 'x' * 100_000
_ABSURD_STRINGS = ('', '\u202e\U0001f600\x00end', '../../etc/passwd', ' ')
MAX_SEQUENCE = 300     # long enough to hurt a naive loop, small enough to stay in memory
_NESTED_MAX = 2        # below the top level, sequences and strings stay short


def message_class(type_name: str) -> type:
    """Return the rclpy class of 'pkg/msg/Type' or 'pkg/Type'."""
    package, *_, name = type_name.split('/')
    return getattr(importlib.import_module(f'{package}.msg'), name)


def absurd_message(cls: type, rng: random.Random, depth: int = 0) -> Any:
    """Return an instance of cls whose every field holds an absurd but settable value.

    Only the top level gets the long sequences and strings, so a message stays under a few
    MB however deeply its types nest.
    """
    msg = cls()
    for field, type_str in msg.get_fields_and_field_types().items():
        setattr(msg, field, _absurd_value(type_str, rng, depth))
    return msg


def _absurd_value(type_str: str, rng: random.Random, depth: int) -> Any:
    if type_str.startswith('sequence<'):
        inner = type_str[len('sequence<'):-1].split(',')[0]
        length = rng.choice((0, 1, MAX_SEQUENCE if depth == 0 else _NESTED_MAX))
        return [_absurd_value(inner, rng, depth + 1) for _ in range(length)]
    if type_str.endswith(']'):
        inner, count = type_str[:-1].split('[')
        return [_absurd_value(inner, rng, depth + 1) for _ in range(int(count))]
    if type_str in _INT_RANGES:
        low, high = _INT_RANGES[type_str]
        return rng.choice((low, high, 0, high // 2 + 1, -1 if low < 0 else 1))
    if type_str in ('float', 'double'):
        return rng.choice(_ABSURD_FLOATS)
    if type_str == 'boolean':
        return rng.random() < 0.5
    if type_str in ('string', 'wstring') or type_str.startswith('string<'):
        return rng.choice(_ABSURD_STRINGS + ((_LONG_STRING,) if depth == 0 else ()))
    return absurd_message(message_class(type_str), rng, depth + 1)


def _random_bytes(valid: bytes, rng: random.Random) -> bytes:
    return rng.randbytes(rng.randint(0, 2 * len(valid) + 16))


def _truncated(valid: bytes, rng: random.Random) -> bytes:
    return valid[:rng.randint(0, max(0, len(valid) - 1))]


def _bit_flipped(valid: bytes, rng: random.Random) -> bytes:
    data = bytearray(valid)
    for _ in range(rng.randint(1, 8)):
        position = rng.randrange(4, len(data)) if len(data) > 4 else 0
        data[position] ^= 1 << rng.randrange(8)
    return bytes(data)


def _huge_lengths(valid: bytes, rng: random.Random) -> bytes:
    """Overwrite aligned 4-byte words with 0x7fffffff: some of them are sequence counts."""
    data = bytearray(valid)
    for offset in range(4, len(data) - 3, 4):
        if rng.random() < 0.3:
            data[offset:offset + 4] = struct.pack('<I', 0x7FFFFFFF)
    return bytes(data)


def _wrong_encapsulation(valid: bytes, rng: random.Random) -> bytes:
    return bytes((rng.randint(2, 255), rng.randint(0, 255))) + valid[2:]


RAW_KINDS: tuple[Callable[[bytes, random.Random], bytes], ...] = (
    _random_bytes, _truncated, _bit_flipped, _huge_lengths, _wrong_encapsulation)


POOL_SIZE = 16   # absurd messages built per type: building one of a big type takes ~10 ms


def hostile_payloads(cls: type, rng: random.Random):
    """Yield an endless mix: one raw kind after another, then an absurd typed message.

    The absurd messages come from a pool built once, so a flood of big types keeps its rate;
    the raw kinds damage their serialized bytes afresh each time.
    """
    from rclpy.serialization import serialize_message

    pool = [absurd_message(cls, rng) for _ in range(POOL_SIZE)]
    serialized = [serialize_message(msg) for msg in pool]
    while True:
        index = rng.randrange(POOL_SIZE)
        for kind in RAW_KINDS:
            yield kind(serialized[index], rng)
        yield pool[index]


def flood(topics: dict[str, str], count: int, rate_hz: float, seed: int) -> dict[str, int]:
    """Publish count hostile messages on every topic at rate_hz each; return sent counts.

    A publish that DDS refuses (a reliable reader too slow for the flood) still counts as
    sent: an attacker does not wait, and the flood goes on.
    """
    import rclpy
    from rclpy.qos import QoSProfile, ReliabilityPolicy

    from compound_eyes.nodes.lifecycle import init_ros

    init_ros()
    node = rclpy.create_node('compound_eyes_hostile_traffic')
    # reliable publishers match reliable and best-effort subscriptions alike
    qos = QoSProfile(depth=10, reliability=ReliabilityPolicy.RELIABLE)
    rng = random.Random(seed)
    streams = {}
    for topic, type_name in topics.items():
        cls = message_class(type_name)
        streams[topic] = (node.create_publisher(cls, topic, qos), hostile_payloads(cls, rng))
    sent = dict.fromkeys(topics, 0)
    refused = dict.fromkeys(topics, 0)
    start = time.monotonic()
    try:
        for index in range(count):
            for topic, (publisher, payloads) in streams.items():
                try:
                    publisher.publish(next(payloads))
                except RuntimeError:    # rclpy's RCLError: "cannot publish data"
                    refused[topic] += 1
                sent[topic] += 1
            pause = start + (index + 1) / rate_hz - time.monotonic()
            if pause > 0:
                time.sleep(pause)
    finally:
        node.destroy_node()
        rclpy.try_shutdown()
        if any(refused.values()):
            print(f'refused by DDS: {refused}', file=sys.stderr, flush=True)
    return sent


def main(argv: list[str] | None = None) -> int:
    """Flood the named topics and print how many messages each got."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('topics', nargs='+', metavar='TOPIC=TYPE')
    parser.add_argument('--count', type=int, default=10_000, help='messages per topic')
    parser.add_argument('--rate', type=float, default=2000.0, help='messages/s per topic')
    parser.add_argument('--seed', type=int, default=1)
    args = parser.parse_args(argv)
    topics = dict(pair.split('=', 1) for pair in args.topics)
    sent = run_interruptible('hostile traffic',
                             lambda: flood(topics, args.count, args.rate, args.seed))
    print(' '.join(f'{topic}={n}' for topic, n in sent.items()), flush=True)
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
