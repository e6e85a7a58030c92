"""The real-chronyd test server: it serves, and it always cleans up after itself."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from compound_eyes.clock.ntp import NtpError, query_best
from compound_eyes_rig.ntp_server import ChronyError, ChronyServer, free_udp_port


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_serves_on_the_requested_port_and_stops_serving_after_exit() -> None:
    port = free_udp_port('127.0.0.1')
    with ChronyServer(port=port) as server:
        assert server.address == f'127.0.0.1:{port}' and server.running
        assert query_best([server.address], queries=1, timeout_s=1.0).stratum == 8
    with pytest.raises(NtpError):
        query_best([server.address], queries=1, timeout_s=0.2)


def test_process_and_temp_dir_are_gone_also_when_the_body_raises() -> None:
    with pytest.raises(RuntimeError, match='boom'):
        with ChronyServer(stratum=5) as server:
            pid, workdir = server.pid, server.workdir
            assert pid is not None and workdir is not None and workdir.is_dir()
            assert 'local stratum 5' in (workdir / 'chrony.conf').read_text()
            raise RuntimeError('boom')
    assert not process_exists(pid) and not workdir.exists() and not server.running


def test_a_taken_port_fails_fast_with_chronyds_reason() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(('127.0.0.1', 0))
        port = taken.getsockname()[1]
        before = time.monotonic()
        with pytest.raises(ChronyError, match='Could not open NTP socket') as info:
            ChronyServer(port=port, start_timeout_s=20).start()
    assert time.monotonic() - before < 10       # not the whole start timeout
    assert f'127.0.0.1:{port}' in str(info.value)


@pytest.mark.parametrize(('kwargs', 'match'), [
    ({'port': 70000}, 'port 70000'),
    ({'stratum': 16}, 'stratum 16'),
])
def test_bad_parameters_are_rejected_by_name(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ChronyServer(**kwargs)


@pytest.mark.netns
@pytest.mark.skipif(os.geteuid() != 0, reason='network namespaces need root')
def test_serves_inside_a_network_namespace_only() -> None:
    netns = f'ce-clock-{os.getpid()}'
    subprocess.run(['ip', 'netns', 'add', netns], check=True)
    try:
        subprocess.run(['ip', '-n', netns, 'link', 'set', 'lo', 'up'], check=True)
        with ChronyServer(netns=netns) as server:   # start() probes from inside netns
            probe = [sys.executable, '-m', 'compound_eyes_rig.ntp_server', server.address, '2']
            inside = subprocess.run(['ip', 'netns', 'exec', netns, *probe], timeout=30)
            assert inside.returncode == 0
            with pytest.raises(NtpError):             # the host's loopback is another network
                query_best([server.address], queries=1, timeout_s=0.2)
    finally:
        subprocess.run(['ip', 'netns', 'del', netns], check=False)
