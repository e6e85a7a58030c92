from pathlib import Path

import pytest

from compound_eyes.config.errors import ConfigError
from compound_eyes.config.ros_yaml import load_node_parameters
from compound_eyes.config.server import ServerConfig

SHIPPED = Path(__file__).resolve().parents[2] / 'config' / 'server.yaml'


def test_shipped_server_yaml_is_valid():
    config = ServerConfig.from_parameters(
        load_node_parameters(SHIPPED, 'compound_eyes_server'), str(SHIPPED))
    assert config.reference == 'median'


@pytest.mark.parametrize('params, key', [
    ({'command_rate_hz': 0}, 'command_rate_hz'),
    ({'lost_timeout_s': 5.0, 'forget_timeout_s': 1.0}, 'forget_timeout_s'),
    ({'window': 1}, 'window'),
    ({'referense': 'median'}, 'referense'),
])
def test_bad_server_configuration_names_the_key(params, key):
    with pytest.raises(ConfigError) as caught:
        ServerConfig.from_parameters(params)
    assert caught.value.key == key
