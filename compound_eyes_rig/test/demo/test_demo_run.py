"""The demo end to end: runs, stops cleanly on Ctrl-C or SIGTERM, leaves a bag and a report."""
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from mcap_ros2.reader import read_ros2_messages
from rosbags.highlevel import AnyReader

from compound_eyes.capture.shm_ring import segment_prefix
from compound_eyes.record.types import typestore
from compound_eyes_rig.bench.soak import descendants

# A capture process's resource tracker ends just after the process it served, which may be
# after the demo's own exit: that is not a leftover.
EXIT_GRACE_S = 10.0


def _segments_of(pids: set[int]) -> list[str]:
    """Capture segments (ce_<owner pid>_...) that the given processes created."""
    prefixes = tuple(segment_prefix(pid) for pid in pids)
    return [name for name in os.listdir('/dev/shm') if name.startswith(prefixes)]


def _alive(pids: set[int]) -> set[int]:
    return {pid for pid in pids if Path(f'/proc/{pid}').exists()}


def _clean_up(pids: set[int]) -> None:
    """Kill what is left of the given processes and remove their capture segments.

    Killed processes cannot unlink their segments; a failing run leaves nothing behind either.
    """
    for pid in _alive(pids):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    for name in _segments_of(pids):
        Path('/dev/shm', name).unlink(missing_ok=True)


def _run_demo(env: dict[str, str], out: Path, ready: str, stop: int,
              *args: str) -> tuple[subprocess.Popen, str, list[str]]:
    """Run the demo until a line contains `ready` (or 60 lines passed), then send `stop`.

    SIGINT goes to the demo's process group, as Ctrl-C at a terminal would; SIGTERM to the
    demo alone, as `kill` or a service manager would. Only the demo's own process tree is
    judged (its children start sessions of their own): the third value names what of it was
    left once the demo had exited (processes, capture segments); that is then removed.
    """
    demo = subprocess.Popen(
        [sys.executable, '-m', 'compound_eyes.cli.main', 'demo', '--out', str(out),
         '--width', '320', '--height', '240', *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)
    lines, pids = [], {demo.pid}
    try:
        for line in demo.stdout:
            lines.append(line)
            if ready in line or len(lines) > 60:
                break
        pids |= set(descendants(demo.pid))
        assert _segments_of(pids), f'no capture segment of the demo\'s processes {pids}'
        if stop == signal.SIGINT:
            os.killpg(demo.pid, stop)
        else:
            demo.send_signal(stop)
        rest, _ = demo.communicate(timeout=120)
        lines.append(rest)
    finally:
        if demo.poll() is None:
            pids |= set(descendants(demo.pid))
            demo.kill()
            demo.wait()
        settle = time.monotonic() + EXIT_GRACE_S
        while _alive(pids) and time.monotonic() < settle:
            time.sleep(0.1)
        left = [f'process {pid}' for pid in sorted(_alive(pids))] + _segments_of(pids)
        _clean_up(pids)
    return demo, ''.join(lines), left


@pytest.mark.slow
def test_demo_runs_until_ctrl_c_and_leaves_a_readable_bag_and_report(ros_env, tmp_path):
    out = tmp_path / 'run'
    demo, output, left = _run_demo(ros_env, out, 'all clients locked', signal.SIGINT)
    assert demo.returncode == 0, output
    assert 'all clients locked' in output, output
    assert re.search(r'first appeared .*: client_a \d+\.\d s, client_b \d+\.\d s', output), output
    assert (out / 'report' / 'index.html').is_file(), output
    assert (out / 'report' / 'contact_sheet.png').is_file()

    bag = out / 'bag'
    with AnyReader([bag], default_typestore=typestore()) as reader:
        frame_sets = [c for c in reader.connections if c.topic.endswith('/synced_frames')]
        assert {c.topic for c in frame_sets} == {'/client_a/synced_frames',
                                                 '/client_b/synced_frames'}
        per_client: dict[str, int] = {}
        for connection, _, raw in reader.messages(connections=frame_sets):
            client = reader.deserialize(raw, connection.msgtype).client_id
            per_client[client] = per_client.get(client, 0) + 1
        counted = sum(per_client.values())
    mcap_count = sum(
        1 for path in sorted(bag.glob('*.mcap'))
        for message in read_ros2_messages(str(path))
        if message.channel.topic.endswith('/synced_frames'))
    assert counted == mcap_count > 0
    summary = json.loads((out / 'report' / 'summary.json').read_text())
    assert {c: v['sets'] for c, v in summary['clients'].items()} == per_client
    assert left == []


@pytest.mark.slow
def test_demo_stopped_by_sigterm_exits_0_and_writes_its_report(ros_env, tmp_path):
    out = tmp_path / 'run'
    demo, output, left = _run_demo(ros_env, out, 'true cross-client error median', signal.SIGTERM,
                             '--duration', '30')   # stopped once sets of both clients arrive
    assert demo.returncode == 0, output
    assert 'Traceback' not in output, output
    assert 'demo: SIGTERM: stopping' in output, output
    assert (out / 'report' / 'index.html').is_file(), output
    summary = json.loads((out / 'report' / 'summary.json').read_text())
    assert set(summary['clients']) == {'client_a', 'client_b'}
    assert left == []


def test_demo_refuses_an_existing_output_folder(tmp_path: Path, ros_env):
    done = subprocess.run([sys.executable, '-m', 'compound_eyes.cli.main', 'demo', '--out',
                           str(tmp_path)], env=ros_env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode != 0
    assert str(tmp_path) in done.stdout + done.stderr
