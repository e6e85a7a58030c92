"""The throughput scenario: the image rig's delivery (part a) plus bench.transport's race (b)."""
from __future__ import annotations

import os

from compound_eyes_rig.bench import transport
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
