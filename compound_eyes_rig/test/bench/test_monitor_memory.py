"""The demo's truth monitor keeps no memory per set: what it scores is forgotten every line."""
from __future__ import annotations

import rclpy
from compound_eyes_msgs.msg import ClientSyncStatus, SyncStatus

from compound_eyes.interfaces.schema import LockState
from compound_eyes.nodes.lifecycle import init_ros
from compound_eyes_rig.bench.monitor_memory import CLIENTS, TICKS_PER_S, kept_per_span, run_seconds
from compound_eyes_rig.truth.monitor_node import TruthMonitor


def test_the_monitor_scores_the_fed_sets_into_the_demo_line(ros_env):
    init_ros()
    monitor = TruthMonitor(CLIENTS)
    try:
        lines = run_seconds(monitor, 2, 53_000_000_000)
    finally:
        monitor.destroy_node()
        rclpy.try_shutdown()
    # client_b's frames are 1 ms after client_a's, each client's cam1 10 µs after its cam0
    assert all('median   1010.0 µs max   1010.0 µs (10 ticks)' in line for line in lines), lines


def test_a_second_span_of_sets_adds_less_than_a_score_per_set(ros_env):
    # a kept FrameTruth or TickScore per set would be 100 bytes or more each; numpy's small
    # caches of the line's medians hold a few kB once
    seconds = 10
    first, second = kept_per_span(seconds)
    sets = seconds * TICKS_PER_S * len(CLIENTS)
    assert first > 0
    assert second < 10 * sets, f'{second} bytes kept for {sets} more sets'


def test_statuses_naming_other_clients_leave_no_trace(ros_env):
    init_ros()
    monitor = TruthMonitor(CLIENTS)
    try:
        named = [f'foreign_{i}' for i in range(1000)] + [CLIENTS[0]]
        monitor._on_status(SyncStatus(clients=[
            ClientSyncStatus(client_id=name, lock_state=LockState.LOCKED) for name in named]))
    finally:
        monitor.destroy_node()
        rclpy.try_shutdown()
    assert set(monitor.first_seen_s) == set(monitor.first_locked_s) == {CLIENTS[0]}
