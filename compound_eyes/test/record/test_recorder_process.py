"""Recorder process against a real publisher process over DDS; the bag read back twice."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml
from mcap_ros2.reader import read_ros2_messages
from rosbags.highlevel import AnyReader
from rosbags.interfaces import QosReliability

from compound_eyes.interfaces.schema import FRAME_SET_TIMING_TYPE, SYNCED_FRAME_SET_TYPE
from compound_eyes.record.types import typestore

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
import sample_sets  # noqa: E402

pytestmark = pytest.mark.slow
SKIPPED = 80   # client_b never publishes tick FIRST_TICK + 80
EXPECTED = {SYNCED_FRAME_SET_TYPE: sample_sets.frame_set, FRAME_SET_TIMING_TYPE: sample_sets.timing}


def _wait_for_line(stream, needle: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        if needle in line:
            return line
    raise AssertionError(f'{needle!r} not seen within {timeout} s')


def _published_tick(stream, topic: str, timeout: float) -> int:
    """Return the tick of the next line announcing a set published on topic."""
    return int(_wait_for_line(stream, f'published {topic} ', timeout).split()[2])


def test_sigint_mid_stream_leaves_a_complete_bag(tmp_path, ros_env, processes):
    bag = tmp_path / 'bag'
    recorder = processes.python(
        ['-m', 'compound_eyes.nodes.recorder_node', '--output', str(bag), '--status',
         '--max-bag-duration', '2'],
        env=ros_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    publisher = processes.python(
        [str(HERE / 'sample_sets.py'), '--dds', '--rate', '20', '--skip', f'client_b:{SKIPPED}'],
        env=ros_env, stdout=subprocess.PIPE, text=True)
    _wait_for_line(publisher.stdout, f'synced_frames {sample_sets.FIRST_TICK + SKIPPED + 40}',
                   timeout=60)
    recorder.send_signal(signal.SIGINT)
    out, err = recorder.communicate(timeout=30)
    assert recorder.returncode == 0, err
    summary = json.loads(out.strip().splitlines()[-1])

    with AnyReader([bag]) as reader:
        any_counts = Counter()
        for connection, _, raw in reader.messages():
            any_counts[connection.topic] += 1
            msg = reader.deserialize(raw, connection.msgtype)
            build = EXPECTED.get(connection.msgtype)
            if build is not None:
                assert bytes(raw) == bytes(typestore().serialize_cdr(
                    build(msg.client_id, msg.tick), connection.msgtype)), connection.topic
    assert dict(any_counts) == {k: v for k, v in summary['messages'].items() if v}
    assert any_counts['/client_a/synced_frames'] >= 40
    assert {'/sync_status', '/client_a/clock_status'} <= set(any_counts)

    files = sorted(bag.glob('*.mcap'))
    assert [f.name for f in files] == summary['files'] and len(files) >= 2
    mcap_counts = Counter(m.channel.topic for f in files for m in read_ros2_messages(str(f)))
    assert mcap_counts == any_counts

    sets = {(r['topic'], r['client_id']): r for r in summary['sets']}
    row_a = sets[('/client_a/synced_frames', 'client_a')]
    assert row_a['received'] == any_counts['/client_a/synced_frames']
    gap = sample_sets.FIRST_TICK + SKIPPED
    for topic in ('/client_b/synced_frames', '/client_b/synced_frames/timing'):
        row_b = sets[(topic, 'client_b')]
        assert row_b['received'] == any_counts[topic]
        assert [gap, gap] in row_b['gaps'] and row_b['missed'] >= 1
    assert 'missed (gaps:' in err


def test_best_effort_publishers_are_recorded(tmp_path, ros_env, processes):
    # A reliable subscription never matches a best-effort publisher; the default must.
    bag, topic = tmp_path / 'bag', '/client_a/synced_frames'
    recorder = processes.python(['-m', 'compound_eyes.nodes.recorder_node', str(bag)],
                                env=ros_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)
    publisher = processes.python([str(HERE / 'sample_sets.py'), '--dds', '--best-effort'],
                                 env=ros_env, stdout=subprocess.PIPE, text=True)
    _wait_for_line(recorder.stderr, f'recording {topic}', timeout=60)
    subscribed_at = _published_tick(publisher.stdout, topic, timeout=30)
    while _published_tick(publisher.stdout, topic, timeout=30) < subscribed_at + 40:
        pass
    recorder.send_signal(signal.SIGINT)
    out, err = recorder.communicate(timeout=30)
    assert recorder.returncode == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary['messages'][topic] > 0

    with AnyReader([bag]) as reader:
        connection = next(c for c in reader.connections if c.topic == topic)
        offered = connection.ext.offered_qos_profiles
        assert [q.reliability for q in offered] == [QosReliability.BEST_EFFORT]
        tick = next(reader.deserialize(raw, connection.msgtype).tick
                    for _, _, raw in reader.messages([connection]))
    assert tick >= sample_sets.FIRST_TICK


def test_camera_topics_are_recorded_when_asked_in_a_bag_humble_reads(tmp_path, ros_env,
                                                                     processes):
    # Two recorders watch one publisher: only the one given --cameras takes the per-camera
    # topics, and --bag-version 8 stores the offered QoS as the string older rosbag2 parses.
    image_topic, info_topic = sample_sets.camera_topics('client_a', 'cam0')
    bags = {'cameras': tmp_path / 'cameras', 'default': tmp_path / 'default'}
    recorders = {
        'cameras': processes.python(
            ['-m', 'compound_eyes.nodes.recorder_node', str(bags['cameras']), '--cameras',
             '--bag-version', '8'],
            env=ros_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
        'default': processes.python(
            ['-m', 'compound_eyes.nodes.recorder_node', str(bags['default'])],
            env=ros_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)}
    publisher = processes.python([str(HERE / 'sample_sets.py'), '--dds', '--cameras'],
                                 env=ros_env, stdout=subprocess.PIPE, text=True)
    _wait_for_line(recorders['cameras'].stderr, f'recording {image_topic}', timeout=60)
    _wait_for_line(recorders['default'].stderr, 'recording /client_a/synced_frames',
                   timeout=60)
    subscribed_at = _published_tick(publisher.stdout, '/client_a/synced_frames', timeout=30)
    while _published_tick(publisher.stdout, '/client_a/synced_frames',
                          timeout=30) < subscribed_at + 20:
        pass
    summaries = {}
    for name, recorder in recorders.items():
        recorder.send_signal(signal.SIGINT)
        out, err = recorder.communicate(timeout=30)
        assert recorder.returncode == 0, err
        summaries[name] = json.loads(out.strip().splitlines()[-1])['messages']

    assert summaries['cameras'][image_topic] > 0 and summaries['cameras'][info_topic] > 0
    assert summaries['default']['/client_a/synced_frames'] > 0
    assert not any(topic.endswith(('/image_raw', '/camera_info'))
                   for topic in summaries['default'])
    info = yaml.safe_load((bags['cameras'] / 'metadata.yaml').read_text())
    info = info['rosbag2_bagfile_information']
    assert info['version'] == 8
    topics = {t['topic_metadata']['name']: t['topic_metadata']
              for t in info['topics_with_message_count']}
    assert topics[image_topic]['type'] == 'sensor_msgs/msg/Image'
    assert all(isinstance(t['offered_qos_profiles'], str) for t in topics.values())
    with AnyReader([bags['cameras']]) as reader:
        connection = next(c for c in reader.connections if c.topic == image_topic)
        image = next(reader.deserialize(raw, connection.msgtype)
                     for _, _, raw in reader.messages([connection]))
    assert (image.width, image.height) == (sample_sets.WIDTH, sample_sets.HEIGHT)
