"""A SyncedFrameSet with four 640x480 bgr8 images crosses real DDS between two processes intact."""
from __future__ import annotations

import json
import time
from pathlib import Path

SCRIPTS = Path(__file__).parent / 'proto'
TIMEOUT_S = 90.0


def _wait_for(path: Path, procs, logs: list[Path]) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not path.exists():
        failed = [p for p in procs if p.poll() not in (None, 0)]
        if failed or time.monotonic() > deadline:
            output = '\n'.join(f'--- {log.name}\n{log.read_text()}' for log in logs)
            raise AssertionError(f'{path.name} not written (exit codes '
                                 f'{[p.poll() for p in procs]}):\n{output}')
        time.sleep(0.2)


def test_synced_frame_set_crosses_dds_intact(ros_env, processes, tmp_path):
    topic = '/test_interfaces_dds/frame_set'
    sent, received = tmp_path / 'sent.json', tmp_path / 'received.json'
    logs = [tmp_path / 'sub.log', tmp_path / 'pub.log']
    with logs[0].open('w') as sub_log, logs[1].open('w') as pub_log:
        sub = processes.python([str(SCRIPTS / 'dds_frame_set_sub.py'), topic, str(received)],
                               env=ros_env, stdout=sub_log, stderr=sub_log)
        pub = processes.python([str(SCRIPTS / 'dds_frame_set_pub.py'), topic, str(sent)],
                               env=ros_env, stdout=pub_log, stderr=pub_log)
    _wait_for(received, [sub, pub], logs)
    _wait_for(sent, [sub, pub], logs)

    want = json.loads(sent.read_text())
    got = json.loads(received.read_text())
    assert len(got['frames']) == 4
    for frame in got['frames']:
        image = frame['image']
        assert (image['width'], image['height'], image['encoding']) == (640, 480, 'bgr8')
        assert image['data']['len'] == 640 * 480 * 3
    for key in want:
        assert got[key] == want[key], f'field {key} changed in transit'
    assert got == want
