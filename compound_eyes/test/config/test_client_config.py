from pathlib import Path

import pytest
import yaml

from compound_eyes.config.client import ClientConfig
from compound_eyes.config.errors import ConfigError
from compound_eyes.config.ros_yaml import load_node_parameters, unflatten

SHIPPED = Path(__file__).resolve().parents[2] / 'config'


def _params(**overrides):
    params = {'client_id': 'c1', 'camera_config': {
        'channels': ['a', 'b'], 'a': {'camera_id': 'synthetic:triggered'},
        'b': {'camera_id': 0, 'fourcc': 'MJPG'}}}
    params.update(overrides)
    return params


def test_shipped_client_yaml_is_valid():
    path = SHIPPED / 'client.yaml'
    config = ClientConfig.from_parameters(
        load_node_parameters(path, 'compound_eyes_client'), str(path))
    assert [c.channel_id for c in config.cameras] == ['cam0', 'cam1', 'cam2', 'cam3']
    assert config.period_ns == round(1e9 / 30)


def test_camera_options_are_kept_and_device_index_becomes_text():
    config = ClientConfig.from_parameters(_params())
    assert config.cameras[1].camera_id == '0'
    assert config.cameras[1].options == {'fourcc': 'MJPG'}


@pytest.mark.parametrize('params, key', [
    (_params(fps=0), 'fps'),
    (_params(fps=-5.0), 'fps'),
    (_params(colour='red'), 'colour'),
    (_params(image_format='png'), 'image_format'),
    (_params(camera_config={'channels': ['a', 'a'], 'a': {'camera_id': 'x'}}),
     'camera_config.channels'),
    (_params(camera_config={'channels': ['a']}), 'camera_config.a'),
    (_params(camera_config={'channels': ['a'], 'a': {}}), 'camera_config.a.camera_id'),
    (_params(camera_config={'channels': ['a'], 'a': {'camera_id': 'x'}, 'z': {}}),
     'camera_config.z'),
    (_params(qos={'reliability': 'sometimes'}), 'qos.reliability'),
    (_params(simulation={'clock_offset': 3}), 'simulation.clock_offset'),
])
def test_bad_configuration_names_the_key(params, key):
    with pytest.raises(ConfigError) as caught:
        ClientConfig.from_parameters(params, 'f.yaml')
    assert caught.value.key == key
    assert str(caught.value).startswith(key) and 'f.yaml' in str(caught.value)


def test_params_file_sections_merge_wildcard_then_node(tmp_path):
    path = tmp_path / 'p.yaml'
    path.write_text(yaml.safe_dump({
        '/**': {'ros__parameters': {'fps': 10.0, 'qos': {'depth': 2}}},
        'other_node': {'ros__parameters': {'fps': 99.0}},
        '/ns/compound_eyes_client': {'ros__parameters': {'qos': {'reliability': 'best_effort'}}},
    }))
    params = load_node_parameters(path, 'compound_eyes_client')
    assert params == {'fps': 10.0, 'qos': {'depth': 2, 'reliability': 'best_effort'}}


def test_unreadable_params_file_names_the_file(tmp_path):
    missing = tmp_path / 'nope.yaml'
    with pytest.raises(ConfigError, match='nope.yaml'):
        load_node_parameters(missing, 'compound_eyes_client')
    broken = tmp_path / 'broken.yaml'
    broken.write_text('a: [1,\n')
    with pytest.raises(ConfigError, match='not valid YAML'):
        load_node_parameters(broken, 'compound_eyes_client')


def test_unflatten_rebuilds_dotted_parameter_names():
    assert unflatten({'a.b.c': 1, 'a.d': 2, 'e': 3}) == {'a': {'b': {'c': 1}, 'd': 2}, 'e': 3}
