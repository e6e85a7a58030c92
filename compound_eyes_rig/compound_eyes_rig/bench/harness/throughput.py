"""The throughput scenario: the image rig's delivery (part a) plus bench.transport's race (b)."""
from __future__ import annotations

import os
from collections import defaultdict
from typing import Any

import numpy as np

from compound_eyes_rig.bench import transport
from compound_eyes_rig.bench.harness.rows import SetRow
from compound_eyes_rig.bench.stats import BenchResult

# The ZeroMQ + protobuf baseline's raw transport against our two best raw variants
# (docs/benchmarks.md).
VARIANTS = ('zmq+protobuf raw', 'ros reliable d5 profile', 'ros best_effort d5 profile')
SECONDS_PER_VARIANT = (2.0, 10.0)   # a sixth of the scenario's duration, within these bounds
_KEPT = ('name', 'fps', 'payload_mb_s', 'wire_mb', 'latency_ms_median', 'udp_rcvbuf_errors',
         'crossed_network', 'cpu_percent', 'error')


def add_transport_race(result: BenchResult, use_namespaces: bool) -> None:
    """Run part (b) and fold its ratio, target, CPU and rows into part (a)'s result."""
    seconds = min(max(result.duration_s / 6, SECONDS_PER_VARIANT[0]), SECONDS_PER_VARIANT[1])
    variants = tuple(v for v in transport.VARIANTS if v.name in VARIANTS)
    if use_namespaces:  # the peers inherit this process's environment; LOCALHOST would cut them
        os.environ.pop('ROS_AUTOMATIC_DISCOVERY_RANGE', None)
    race = transport.run(seconds, variants, use_namespaces)
    result.ours_over_zmq_fps = race.ours_over_zmq_fps
    result.targets.update(race.targets)
    result.cpu_percent.update({f'race_{kind}': round(value, 1)
                               for kind, value in race.cpu_percent.items()})
    result.notes.extend(race.notes)
    result.details['transport_race'] = {
        'seconds_per_variant': seconds, 'namespaces': race.namespaces,
        'variants': [{key: row.get(key) for key in _KEPT}
                     for row in race.details['variants']]}


def _ms(values: list[int]) -> dict[str, float]:
    array = np.asarray(values, dtype=np.float64) / 1e6
    return {'median': round(float(np.median(array)), 1),
            'p99': round(float(np.percentile(array, 99)), 1)}


def where_sets_went(sets: list[SetRow]) -> dict[str, Any]:
    """Per client: ticks never published, published but not received, and each leg's delay.

    A tick missing between two received sets was published if the writer's sequence numbers
    around it skip; `reader_reported_lost` is what the collector's reader knew it lost (DDS
    does not report samples its own full history dropped). Legs: header stamp to the
    client's DDS write, write to the collector's DDS, DDS to the collector's callback.
    """
    by_client: dict[str, list[SetRow]] = defaultdict(list)
    for row in sets:
        if row.transit is not None:
            by_client[row.client].append(row)
    out: dict[str, Any] = {}
    for client, rows in sorted(by_client.items()):
        rows.sort(key=lambda r: r.tick)
        pairs = list(zip(rows, rows[1:], strict=False))
        missing = sum(b.tick - a.tick - 1 for a, b in pairs)
        lost = sum(max(b.transit.sequence - a.transit.sequence - 1, 0) for a, b in pairs)
        out[client] = {
            'ticks_missing': missing, 'published_not_received': lost,
            'never_published': missing - lost,
            'reader_reported_lost': rows[-1].transit.reader_lost,
            'header_to_written_ms': _ms([r.transit.written_ns - r.header_ns for r in rows]),
            'written_to_reader_dds_ms': _ms([r.transit.dds_received_ns - r.transit.written_ns
                                            for r in rows]),
            'reader_dds_to_callback_ms': _ms([r.received_ns - r.transit.dds_received_ns
                                             for r in rows])}
    return out
