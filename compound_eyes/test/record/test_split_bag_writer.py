"""Split bags: several MCAP files, one metadata.yaml, read whole by independent readers."""
from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml
from mcap_ros2.reader import read_ros2_messages
from rclpy.qos import QoSProfile, ReliabilityPolicy
from rosbags.highlevel import AnyReader
from rosbags.interfaces import QosReliability

from compound_eyes.interfaces.schema import SYNC_STATUS_TYPE
from compound_eyes.nodes.recorder_qos import offered_qos
from compound_eyes.record.bag_writer import BagExistsError, SplitBagWriter
from compound_eyes.record.settings import BAG_VERSIONS
from compound_eyes.record.types import typestore

SAMPLE_SETS = Path(__file__).with_name('sample_sets.py')
sys.path.insert(0, str(SAMPLE_SETS.parent))
import sample_sets  # noqa: E402


def test_split_by_size_gives_files_one_metadata_and_every_message(tmp_path):
    bag = tmp_path / 'bag'
    subprocess.run([sys.executable, str(SAMPLE_SETS), '--bag', str(bag), '--count', '30',
                    '--max-bag-size', '100000'], check=True)
    files = sorted(bag.glob('*.mcap'))
    assert len(files) >= 5
    assert sorted(p.name for p in bag.iterdir()) == sorted([*(f.name for f in files),
                                                            'metadata.yaml'])
    info = yaml.safe_load((bag / 'metadata.yaml').read_text())['rosbag2_bagfile_information']
    assert info['version'] == 9 and info['storage_identifier'] == 'mcap'
    assert sorted(info['relative_file_paths']) == [f.name for f in files]
    assert sum(f['message_count'] for f in info['files']) == info['message_count']
    for entry in info['files']:
        assert entry['message_count'] == sum(1 for _ in read_ros2_messages(str(bag /
                                                                             entry['path'])))
    with AnyReader([bag]) as reader:
        counts = Counter(c.topic for c, _, _ in reader.messages())
    assert counts['/client_a/synced_frames'] == 30
    assert sum(counts.values()) == info['message_count']
    declared = {t['topic_metadata']['name']: t['message_count']
                for t in info['topics_with_message_count']}
    assert declared == dict(counts)


def test_existing_output_is_refused_and_left_untouched(tmp_path):
    bag = tmp_path / 'bag'
    bag.mkdir()
    (bag / 'precious.txt').write_text('keep me')
    with pytest.raises(BagExistsError, match='exists already'):
        SplitBagWriter(bag).open()
    result = subprocess.run([sys.executable, '-m', 'compound_eyes.nodes.recorder_node',
                             str(bag)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert f'{bag} exists already' in result.stderr
    assert [p.name for p in bag.iterdir()] == ['precious.txt']
    assert (bag / 'precious.txt').read_text() == 'keep me'


def test_unknown_type_is_named(tmp_path):
    with SplitBagWriter(tmp_path / 'bag') as writer, pytest.raises(KeyError,
                                                                   match='/odd.*no_pkg/msg/X'):
        writer.add_topic('/odd', 'no_pkg/msg/X')


def _write_one(bag: Path, version: int) -> dict:
    qos = offered_qos(QoSProfile(depth=5, reliability=ReliabilityPolicy.BEST_EFFORT))
    with SplitBagWriter(bag, version=version) as writer:
        writer.add_topic('/sync_status', SYNC_STATUS_TYPE, [qos])
        writer.write('/sync_status', 1, typestore().serialize_cdr(
            sample_sets.sync_status(1), SYNC_STATUS_TYPE))
    return yaml.safe_load((bag / 'metadata.yaml').read_text())['rosbag2_bagfile_information']


@pytest.mark.parametrize('version', BAG_VERSIONS)
def test_each_bag_version_is_read_back_with_its_offered_qos(tmp_path, version):
    info = _write_one(tmp_path / 'bag', version)
    offered = info['topics_with_message_count'][0]['topic_metadata']['offered_qos_profiles']
    assert info['version'] == version
    # Version 8 keeps the QoS as a YAML string (what Humble parses), 9 as a YAML list.
    assert isinstance(offered, str if version == 8 else list), offered
    with AnyReader([tmp_path / 'bag']) as reader:
        [connection] = reader.connections
        assert [q.reliability for q in connection.ext.offered_qos_profiles] == [
            QosReliability.BEST_EFFORT]
        assert sum(1 for _ in reader.messages()) == 1


def test_unsupported_bag_version_is_refused_by_writer_and_command_line(tmp_path):
    with pytest.raises(ValueError, match='bag version 7: expected one of 9, 8'):
        SplitBagWriter(tmp_path / 'bag', version=7)
    result = subprocess.run([sys.executable, '-m', 'compound_eyes.nodes.recorder_node',
                             str(tmp_path / 'bag'), '--bag-version', '7'],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert '--bag-version: invalid choice: 7' in result.stderr, result.stderr
    assert not (tmp_path / 'bag').exists()
