"""Short runs of the multi-host benchmark: real namespaces, chronyd, DDS and timecodes."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from compound_eyes_rig.bench.harness.rig import Rig
from compound_eyes_rig.bench.harness.scenarios import scenario
from compound_eyes_rig.bench.netns import (
    ETHERNET_MTU,
    JUMBO_MTU,
    list_namespaces,
    remove_namespaces,
)

pytestmark = pytest.mark.slow
needs_root = pytest.mark.skipif(
    os.geteuid() != 0, reason='the harness puts every host in its own network namespace: '
                              'needs root')

DOCUMENTED_KEYS = {
    'host': ('cpu_count', 'python', 'ros_wheels_version'),
    'sync.cross_client_error_us': ('median', 'p95', 'p99', 'max'),
    'sync': ('lock_time_s', 'relock_time_s'),
    'sync.stamp_error_us': ('median', 'p95', 'p99'),
    'sync.intra_client_spread_us': ('median', 'p99'),
    'baseline.nearest_pairing.cross_client_error_us': ('median', 'p95', 'p99'),
    'ratio': ('baseline_over_ours_median', 'ours_over_floor_median'),
    'floor.wake_spread_us': ('median', 'p99'),
    'delivery': ('sets_expected', 'sets_received', 'frames_dropped'),
    'latency_ms': ('median', 'p99'),
    '': ('scenario', 'clients', 'cameras_per_client', 'fps', 'duration_s', 'namespaces',
         'cpu_percent'),
}


def _leftover_processes(marker: str) -> list[str]:
    """Command lines of live processes that mention marker (our run's folder)."""
    found = []
    for entry in Path('/proc').iterdir():
        try:
            cmdline = (entry / 'cmdline').read_bytes().replace(b'\0', b' ').decode()
        except (OSError, ValueError):
            continue
        if entry.name.isdigit() and marker in cmdline and int(entry.name) != os.getpid():
            found.append(cmdline)
    return found


def _orphaned_segments(since: float) -> list[str]:
    """Capture segments created during the test whose owning process is gone."""
    orphans = []
    for path in Path('/dev/shm').glob('ce_*'):
        owner = path.name.split('_')[1]
        try:
            created = path.stat().st_mtime
        except FileNotFoundError:
            continue
        if owner.isdigit() and created >= since and not Path(f'/proc/{owner}').exists():
            orphans.append(path.name)
    return orphans


def run_bench(tmp_path: Path, env: dict[str, str], *args: str) -> dict:
    """Run `compound-eyes bench` and check it left nothing behind; return its JSON."""
    out, keep, started = tmp_path / 'result.json', tmp_path / 'run', time.time()
    bench = subprocess.Popen(
        [sys.executable, '-m', 'compound_eyes.cli.main', 'bench', *args, '--json', str(out),
         '--plot', str(tmp_path / 'result.png'), '--keep', str(keep)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)
    prefix = f'ce{bench.pid}t'
    try:
        try:
            output, _ = bench.communicate(timeout=150)
        except subprocess.TimeoutExpired:
            bench.send_signal(signal.SIGTERM)   # the harness tears down on SIGTERM
            output, _ = bench.communicate(timeout=60)
        assert bench.returncode == 0, output[-4000:]
        assert list_namespaces(prefix) == []
        assert _leftover_processes(str(keep)) == []
        assert _orphaned_segments(started) == []
    finally:
        if bench.poll() is None:
            os.killpg(bench.pid, signal.SIGKILL)
            bench.wait()
        remove_namespaces(prefix)   # only matters when the harness itself failed to
    assert (tmp_path / 'result.png').stat().st_size > 0
    return json.loads(out.read_text())


@needs_root
def test_triggered_run_locks_and_reports_every_key(tmp_path: Path, ros_env: dict) -> None:
    result = run_bench(tmp_path, ros_env, '--scenario', 'triggered-3x1', '--duration', '6')
    for path, keys in DOCUMENTED_KEYS.items():
        section = result
        for part in filter(None, path.split('.')):
            section = section[part]
        assert set(keys) <= set(section), (path, section)
    assert result['namespaces'] is True
    assert result['sync']['lock_time_s'] is not None          # true error < 1 ms for 1 s
    assert result['details']['server_lock_time_s'] is not None  # the server saw all LOCKED
    assert result['sync']['cross_client_error_us']['median'] < 2000
    assert result['baseline']['nearest_pairing']['cross_client_error_us']['median'] > 0
    assert result['floor']['wake_spread_us']['median'] > 0
    delivery = result['delivery']
    assert delivery['sets_received'] >= 0.9 * delivery['sets_expected'] > 0
    assert result['details']['crashed'] == []


@needs_root
def test_churn_client_rejoins_and_relocks(tmp_path: Path, ros_env: dict) -> None:
    result = run_bench(tmp_path, ros_env, '--scenario', 'churn', '--duration', '24',
                       '--skip', 'floor,baseline')
    details = result['details']
    assert details['crashed'] == []
    assert details['rejoined'] is True
    assert details['rejoin_relock_s'] is not None      # the restarted client locked again
    first_event_s = details['disturbances'][0]['caused_s']
    assert details['restart_vs_control']['control']['window_s'][1] == round(first_event_s, 3)
    assert details['sets_not_listing_missing'] == 0    # complete, or naming what is missing
    assert [d['kind'] for d in details['disturbances']] == [
        'kill_client', 'start_client', 'restart_server']
    assert result['sync']['lock_time_s'] is not None


@needs_root
def test_sigterm_mid_run_tears_everything_down(tmp_path: Path, ros_env: dict) -> None:
    keep = tmp_path / 'run'
    bench = subprocess.Popen(
        [sys.executable, '-m', 'compound_eyes.cli.main', 'bench', '--scenario', 'triggered-3x1',
         '--duration', '60', '--skip', 'floor,baseline', '--keep', str(keep)],
        env=ros_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)
    prefix = f'ce{bench.pid}t'
    try:
        deadline = time.monotonic() + 60
        rows = keep / 'main.jsonl'
        while not (rows.exists() and rows.stat().st_size) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert rows.stat().st_size > 0            # clients in namespaces are capturing
        signalled = time.monotonic()
        bench.send_signal(signal.SIGTERM)
        output, _ = bench.communicate(timeout=60)
        assert bench.returncode == 130, output[-3000:]
        assert time.monotonic() - signalled < 15   # no child waited out its stop timeouts
        assert list_namespaces(prefix) == []
        assert _leftover_processes(str(keep)) == []
    finally:
        if bench.poll() is None:
            os.killpg(bench.pid, signal.SIGKILL)
            bench.wait()
        remove_namespaces(prefix)


def test_one_namespace_fallback_is_labelled(tmp_path: Path, ros_env: dict) -> None:
    result = run_bench(tmp_path, ros_env, '--scenario', 'triggered-3x1', '--duration', '4',
                       '--no-namespaces', '--skip', 'floor,baseline')
    assert result['namespaces'] is False
    assert any('loopback' in note for note in result['notes'])
    assert result['delivery']['sets_received'] > 0
    assert result['sync']['cross_client_error_us']['median'] < 2000


@needs_root
def test_rig_gives_its_hosts_the_scenarios_mtu(tmp_path: Path) -> None:
    def eth0_mtu(namespace: str) -> int:
        out = subprocess.run(['ip', '-n', namespace, '-j', 'link', 'show', 'eth0'], check=True,
                             capture_output=True, text=True, timeout=10)
        return json.loads(out.stdout)[0]['mtu']
    mtus = {name: scenario(name).mtu for name in ('throughput', 'triggered-3x1')}
    assert mtus == {'throughput': JUMBO_MTU, 'triggered-3x1': ETHERNET_MTU}
    for mtu in mtus.values():
        with Rig(['client_a'], tmp_path / str(mtu), mtu=mtu) as rig:
            assert {eth0_mtu(place.namespace) for place in rig.places.values()} == {mtu}
