"""The image topics' writers keep 1 s of sets by default, so a stalled reader loses none.

The depth a publisher uses is not announced over DDS; rclpy declares the publisher's
qos_overrides.<topic>.publisher.depth parameter with the depth it was created with, read
here from the running client as any parameter client would.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from compound_eyes.interfaces import schema

sys.path.insert(0, str(Path(__file__).parent))
from client_launch import log_tail, start_client, write_client_params  # noqa: E402
from parameter_client import ParameterClient  # noqa: E402

pytestmark = pytest.mark.slow
NAMESPACE = 'c_history'
ONE_SECOND_OF_SETS = 30     # the client's fps in write_client_params


def test_image_writers_keep_one_second_of_sets_unless_told_otherwise(ros_env, processes,
                                                                       tmp_path):
    params = write_client_params(tmp_path / 'client.yaml', 'history_client', cameras=1)
    log = tmp_path / 'client.log'
    names = [f'qos_overrides./{NAMESPACE}/{topic}.publisher.depth'
             for topic in (schema.SYNCED_FRAMES, 'cam0/image_raw')]
    with ParameterClient(f'/{NAMESPACE}/compound_eyes_client') as remote:
        client = start_client(processes, ros_env, params, NAMESPACE, log)
        assert remote.wait_for_services(40), log_tail(log)
        depths = remote.get(names)
    assert client.poll() is None, log_tail(log)
    assert depths == {name: ONE_SECOND_OF_SETS for name in names}, depths
