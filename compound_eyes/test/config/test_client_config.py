import dataclasses

import pytest

from compound_eyes.config.client import CameraConfig, ClientConfig, SimulationConfig
from compound_eyes.config.errors import ConfigError
from compound_eyes.config.ros_yaml import flatten, unflatten


def _params(**overrides):
    params = {'client_id': 'c1', 'camera_config': {
        'channels': ['a', 'b'], 'a': {'camera_id': 'synthetic:triggered'},
        'b': {'camera_id': 0, 'fourcc': 'MJPG'}}}
    params.update(overrides)
    return params


def test_absent_settings_take_the_dataclass_defaults():
    config = ClientConfig.from_parameters(_params())
    assert dataclasses.replace(config, client_id='c1', cameras=()) == ClientConfig(client_id='c1')


def test_camera_options_are_kept_and_device_index_becomes_text():
    config = ClientConfig.from_parameters(_params())
    assert config.cameras[1].camera_id == '0'
    assert config.cameras[1].options == {'fourcc': 'MJPG'}


def test_to_parameters_reads_back_to_the_same_config():
    config = ClientConfig(
        client_id='host_1', fps=60.0, image_format='jpeg', ntp_servers=('a', 'b:124'),
        initial_delay_ms=2.5, simulation=SimulationConfig(clock_step_ms=20.0),
        cameras=(CameraConfig('cam0', 'synthetic:freerun', {'seed': 3, 'drift_ppm': 1.5}),
                 CameraConfig('cam1', '/dev/video2', {'fourcc': 'MJPG'})))
    params = config.to_parameters()
    assert params['ntp_servers'] == 'a,b:124'    # one string: ROS files have no empty list
    assert params['camera_config']['channels'] == ['cam0', 'cam1']
    assert ClientConfig.from_parameters(params) == config
    assert ClientConfig.from_parameters(unflatten(flatten(params))) == config


def test_ns_properties_convert_the_file_units():
    config = ClientConfig(fps=40.0, initial_delay_ms=2.5, max_delay_slew_us_per_tick=250.0,
                          set_deadline_ms=12.0,
                          simulation=SimulationConfig(clock_offset_ms=-1.5, clock_step_ms=20.0,
                                                      clock_step_at_s=3.0))
    assert config.period_ns == 25_000_000
    assert config.initial_delay_ns == 2_500_000
    assert config.max_delay_slew_ns_per_tick == 250_000
    assert config.set_deadline_ns == 12_000_000
    assert (config.simulation.clock_offset_ns, config.simulation.clock_step_ns,
            config.simulation.clock_step_at_ns) == (-1_500_000, 20_000_000, 3_000_000_000)


def test_zero_deadline_and_negative_initial_delay_follow_the_period():
    config = ClientConfig(fps=50.0)
    assert config.initial_delay_ms < 0 and config.set_deadline_ms == 0
    assert config.initial_delay_ns == 5_000_000 and config.set_deadline_ns == 20_000_000


@pytest.mark.parametrize('params, key', [
    (_params(fps=0), 'fps'),
    (_params(fps=-5.0), 'fps'),
    (_params(colour='red'), 'colour'),
    (_params(image_format='png'), 'image_format'),
    (_params(client_id='a-b'), 'client_id'),
    (_params(initial_delay_ms=40.0), 'initial_delay_ms'),      # a 33 ms period at 30 Hz
    (_params(ntp_servers=[1, 2]), 'ntp_servers'),
    (_params(camera_config={'channels': ['a', 'a'], 'a': {'camera_id': 'x'}}),
     'camera_config.channels'),
    (_params(camera_config={'channels': ['a']}), 'camera_config.a'),
    (_params(camera_config={'channels': ['a'], 'a': {}}), 'camera_config.a.camera_id'),
    (_params(camera_config={'channels': ['a'], 'a': {'camera_id': 'x'}, 'z': {}}),
     'camera_config.z'),
    (_params(camera_config={'channels': ['0a'], '0a': {'camera_id': 'x'}}),
     'camera_config.channels'),
    (_params(camera_config={'channels': ['a'], 'a': {'camera_id': 'x', 'camera_name': 'a b'}}),
     'camera_config.a.camera_name'),
    (_params(camera_config={'channels': ['a'], 'a': {'camera_id': 'x',
                                                     'camera_info_url': 'http://h/a.yaml'}}),
     'camera_config.a.camera_info_url'),
    (_params(camera_config={'channels': ['a'], 'a': {'camera_id': 'x',
                                                     'camera_info_url': 'file://rel.yaml'}}),
     'camera_config.a.camera_info_url'),
    (_params(camera_config={'channels': ['a'], 'a': {'camera_id': 'x', 'frame_id': '/map'}}),
     'camera_config.a.frame_id'),
    (_params(camera_config={'channels': ['a'], 'a': {'camera_id': 'x', 'frame_id': 3}}),
     'camera_config.a.frame_id'),
    (_params(stamp_mode='exposure'), 'stamp_mode'),
    (_params(qos={'reliability': 'sometimes'}), 'qos.reliability'),
    (_params(qos={'colour': 'red'}), 'qos.colour'),
    (_params(simulation={'clock_offset': 3}), 'simulation.clock_offset'),
])
def test_bad_configuration_names_the_key(params, key):
    with pytest.raises(ConfigError) as caught:
        ClientConfig.from_parameters(params, 'f.yaml')
    assert caught.value.key == key
    assert str(caught.value).startswith(key) and 'f.yaml' in str(caught.value)


def test_ros_names_default_to_client_and_channel_and_are_not_source_options():
    config = ClientConfig.from_parameters(_params(camera_config={
        'channels': ['a', 'b'], 'a': {'camera_id': 'x'},
        'b': {'camera_id': 'y', 'fourcc': 'MJPG', 'camera_name': 'left', 'frame_id': 'left_optical',
              'camera_info_url': 'file:///calib/${NAME}.yaml'}}))
    a, b = config.cameras
    assert (a.camera_name_for('c1'), a.frame_id_for('c1')) == ('c1_a', 'c1_a_optical_frame')
    assert (b.camera_name_for('c1'), b.frame_id_for('c1')) == ('left', 'left_optical')
    assert b.camera_info_url == 'file:///calib/${NAME}.yaml' and b.options == {'fourcc': 'MJPG'}
    assert ClientConfig.from_parameters(config.to_parameters()) == config


def test_parse_leaves_unknown_top_level_names_to_the_caller():
    config, unknown = ClientConfig.parse(_params(other_node_rate=3, zoom={'level': 2}))
    assert unknown == ['other_node_rate', 'zoom']
    assert config == ClientConfig.from_parameters(_params())
    with pytest.raises(ConfigError, match='qos.colour'):
        ClientConfig.parse(_params(qos={'colour': 'red'}))


def test_facts_describe_the_per_channel_parameters():
    assert 'channel ids' in ClientConfig.facts('camera_config.channels').description
    assert 'cam0' in ClientConfig.facts('camera_config.cam0.camera_id').description
    assert 'fourcc' in ClientConfig.facts('camera_config.cam1.fourcc').description
    assert 'optical_frame' in ClientConfig.facts('camera_config.cam0.frame_id').description
    assert ClientConfig.facts('camera_config.cam0') is None
    assert ClientConfig.facts('colour') is None
    assert ClientConfig.facts('qos.depth').maximum == 1000


def test_unflatten_rebuilds_dotted_parameter_names():
    assert unflatten({'a.b.c': 1, 'a.d': 2, 'e': 3}) == {'a': {'b': {'c': 1}, 'd': 2}, 'e': 3}


@pytest.mark.parametrize('flat, key', [({'fps': 30.0, 'fps.x': 1}, 'fps.x'),
                                        ({'qos.depth': 5, 'qos': 1}, 'qos')])
def test_unflatten_refuses_a_name_that_is_both_value_and_group(flat, key):
    with pytest.raises(ConfigError) as caught:
        unflatten(flat, 'f.yaml')
    assert caught.value.key == key and caught.value.source == 'f.yaml'


def test_camera_controls_are_live_checked_and_typed_by_their_facts():
    config = ClientConfig.from_parameters(_params(camera_config={
        'channels': ['a'], 'a': {'camera_id': 0, 'gain': 2, 'white_balance_k': 4600,
                                 'fourcc': 'MJPG'}}))
    assert config.cameras[0].controls == {'gain': 2.0, 'white_balance_k': 4600}
    assert isinstance(config.cameras[0].options['gain'], float)
    assert ClientConfig.facts('camera_config.a.gain').live
    assert not ClientConfig.facts('camera_config.a.fourcc').live
    with pytest.raises(ConfigError, match=r'camera_config\.a\.exposure_us: must be > 0'):
        ClientConfig.from_parameters(_params(camera_config={
            'channels': ['a'], 'a': {'camera_id': 0, 'exposure_us': 0}}))


def test_deprecated_qos_keys_are_read_but_written_only_off_their_default():
    assert 'qos' not in ClientConfig(client_id='c1').to_parameters()
    config = ClientConfig.from_parameters(_params(qos={'depth': 7}))
    assert config.qos.depth == 7
    assert config.to_parameters()['qos'] == {'depth': 7}
    assert ClientConfig.facts('qos.depth').replaced_by.startswith('qos_overrides.')
