"""Each client's commands reach only that client: the server writes them to its namespace.

A real server and two real clients, each client in the namespace of its id; the probe reads
every PhaseDelay topic in the graph. Every command must be on the topic of the namespace its
client's timing sets come from, none on a shared topic, and each client must apply its own.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from compound_eyes.interfaces import schema
from compound_eyes_rig.demo.configs import DEMO_CLIENTS

sys.path.insert(0, str(Path(__file__).parent))
from e2e_probe import LOCKED, Probe  # noqa: E402
from e2e_rig import Rig, wait_until  # noqa: E402

pytestmark = pytest.mark.slow

CLIENT_IDS = [c.client_id for c in DEMO_CLIENTS]
TOPICS = {f'/{cid}/{schema.PHASE_DELAY}': cid for cid in CLIENT_IDS}


def _applied_sequences(probe: Probe, client: str) -> set[int]:
    return {msg.phase_delay_sequence for _, msg in list(probe.sets[client])}


def _sent_sequences(probe: Probe, topic: str) -> set[int]:
    return {msg.sequence for msg in list(probe.commands_on.get(topic, []))}


def _each_client_applied_its_own(probe: Probe) -> bool:
    return all(_applied_sequences(probe, client) & _sent_sequences(probe, topic)
               for topic, client in TOPICS.items())


def test_every_command_goes_to_its_own_clients_namespace(ros_env, processes, tmp_path):
    rig = Rig(processes, ros_env, tmp_path)
    with Probe(timing_clients=CLIENT_IDS) as probe:
        rig.start_server()
        for client in DEMO_CLIENTS:
            rig.start_client(client)
        wait_until(lambda: probe.all_in_state(CLIENT_IDS, LOCKED), 30,
                   'both clients LOCKED', rig)
        wait_until(lambda: all(len(probe.commands_on.get(t, [])) >= 10 for t in TOPICS), 10,
                   'ten commands on each client\'s topic', rig)
        # The probe's own subscriptions may match a publisher late on a loaded machine, so
        # the client's sets carrying a command seen on its topic are waited for, not assumed.
        wait_until(lambda: _each_client_applied_its_own(probe), 20,
                   'each client\'s sets carry a command sent on its own topic', rig)
        rig.check_alive()
        on_topic = {topic: list(commands) for topic, commands in probe.commands_on.items()}

    used = {topic for topic, commands in on_topic.items() if commands}
    assert used == set(TOPICS), f'commands on {sorted(used)}, expected {sorted(TOPICS)}'
    for topic, client in TOPICS.items():
        strangers = {msg.client_id for msg in on_topic[topic]} - {client}
        assert not strangers, f'{topic} carried commands for {strangers}'
