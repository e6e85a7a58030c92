import pytest

from compound_eyes.config.errors import ConfigError
from compound_eyes.config.server import ServerConfig


def test_absent_settings_take_the_dataclass_defaults():
    assert ServerConfig.from_parameters({}) == ServerConfig()


def test_to_parameters_reads_back_to_the_same_config():
    config = ServerConfig(reference='client_a', window=12, lock_threshold_us=80.0,
                          ntp_servers=('10.0.0.1:123',))
    assert ServerConfig.from_parameters(config.to_parameters()) == config


def test_the_estimator_gets_the_server_settings_in_its_units():
    options = ServerConfig(window=12, lock_threshold_us=80.0,
                           lost_timeout_s=3.0).estimator_options()
    assert options == {'window': 12, 'reference': 'median', 'lock_threshold_ns': 80_000,
                       'lost_timeout_s': 3.0, 'forget_timeout_s': 30.0}


def test_ns_and_period_properties():
    config = ServerConfig(command_rate_hz=4.0, status_rate_hz=0.5, command_ttl_s=1.5)
    assert (config.command_period_s, config.status_period_s) == (0.25, 2.0)
    assert config.command_ttl_ns == 1_500_000_000


@pytest.mark.parametrize('params, key', [
    ({'command_rate_hz': 0}, 'command_rate_hz'),
    ({'lost_timeout_s': 5.0, 'forget_timeout_s': 1.0}, 'forget_timeout_s'),
    ({'window': 1}, 'window'),
    ({'window': 30.0}, 'window'),
    ({'reference': ''}, 'reference'),
    ({'referense': 'median'}, 'referense'),
])
def test_bad_server_configuration_names_the_key(params, key):
    with pytest.raises(ConfigError) as caught:
        ServerConfig.from_parameters(params)
    assert caught.value.key == key

