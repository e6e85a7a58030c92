"""The shipped parameter files and docs/parameters.md state the dataclass defaults, no others."""
from pathlib import Path

import pytest
import yaml
from rclpy.qos import ReliabilityPolicy

from compound_eyes.config.client import CAMERA_CONFIG, ClientConfig
from compound_eyes.config.parameter_table import tables
from compound_eyes.config.ros_yaml import ALL_NODES, PARAMS_KEY, flatten
from compound_eyes.config.server import ServerConfig
from compound_eyes.nodes.parameters import QOS_OVERRIDES
from compound_eyes.nodes.qos import OVERRIDABLE

PACKAGE = Path(__file__).resolve().parents[2]
DOC = PACKAGE.parent / 'docs' / 'parameters.md'
EXAMPLES = ('client_id', CAMERA_CONFIG)     # client.yaml shows an example client


def _without_examples(params: dict) -> dict:
    return {name: value for name, value in flatten(params).items()
            if name.split('.')[0] not in EXAMPLES}


def _settings_in(path: Path) -> dict:
    """Return a shipped file's parameters without qos_overrides, which rclpy reads itself."""
    params = yaml.safe_load(path.read_text())[ALL_NODES][PARAMS_KEY]
    return {key: value for key, value in params.items() if key != QOS_OVERRIDES}


@pytest.mark.parametrize('name, config_type', [('client', ClientConfig), ('server', ServerConfig)])
def test_shipped_yaml_states_every_default_and_nothing_else(name, config_type):
    path = PACKAGE / 'config' / f'{name}.yaml'
    params = _settings_in(path)
    config_type.from_parameters(params, str(path))
    assert _without_examples(params) == _without_examples(config_type().to_parameters())


def test_shipped_client_yaml_has_example_cameras():
    path = PACKAGE / 'config' / 'client.yaml'
    config = ClientConfig.from_parameters(_settings_in(path), str(path))
    assert [c.channel_id for c in config.cameras] == ['cam0', 'cam1', 'cam2', 'cam3']


def test_shipped_qos_overrides_name_policies_the_publishers_take():
    path = PACKAGE / 'config' / 'client.yaml'
    overrides = yaml.safe_load(path.read_text())[ALL_NODES][PARAMS_KEY][QOS_OVERRIDES]
    allowed = {kind.name.lower() for kind in OVERRIDABLE.policy_kinds}
    policies = {policy: value for topic in overrides.values()
                for policy, value in topic['publisher'].items()}
    assert policies and set(policies) <= allowed, policies
    assert ReliabilityPolicy[policies['reliability'].upper()] == ReliabilityPolicy.RELIABLE


def test_parameter_doc_holds_the_generated_tables():
    assert tables() in DOC.read_text(), (
        'docs/parameters.md is out of date: python -m compound_eyes.config.parameter_table')
