"""Every node entry point loads the shipped Fast DDS profile, unless the user chose one.

Observed from outside, as the kernel sees it: the shipped profile asks for 4 MiB UDP
receive buffers, which `ss` reports (doubled by the kernel, capped by net.core.rmem_max) on
the sockets of the process that ros2 run / ros2 launch would start.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from compound_eyes.nodes.dds_profile import shipped_profile

pytestmark = pytest.mark.slow
CONFIG = Path(__file__).resolve().parents[2] / 'config'
SHIPPED_BUFFER = 4194304
USER_BUFFER = 65536
_SOCKET = re.compile(r'pid=(\d+),.*?skmem:\(.*?rb(\d+)', re.S)


def _kernel_receive_buffer(requested: int) -> int:
    """SO_RCVBUF as the kernel reports it: doubled, after capping at rmem_max."""
    return 2 * min(requested, int(Path('/proc/sys/net/core/rmem_max').read_text()))


def _receive_buffers(pid: int) -> set[int]:
    """Receive buffer sizes of the UDP sockets process pid holds."""
    out = subprocess.run(['ss', '-uampnH'], capture_output=True, text=True, check=True).stdout
    entries = re.split(r'\n(?=\S)', out)
    return {int(rb) for entry in entries for owner, rb in _SOCKET.findall(entry)
            if int(owner) == pid}


def _wait_for_buffer(pid: int, size: int, timeout: float = 60.0) -> set[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        buffers = _receive_buffers(pid)
        if size in buffers:
            return buffers
        time.sleep(0.2)
    raise AssertionError(f'no UDP socket of {pid} with a {size} B receive buffer: '
                         f'{_receive_buffers(pid)}')


def _entry_point(name: str, tmp_path: Path) -> list[str]:
    """Command line of an installed executable, as ros2 run would start it."""
    executable = shutil.which(name)
    assert executable, f'{name} is not on PATH (tools/with-env puts the install tree there)'
    if name == 'recorder':
        return [executable, str(tmp_path / 'bag')]
    return [executable, '--ros-args', '--params-file', str(CONFIG / f'{name}.yaml')]


@pytest.fixture(scope='module', autouse=True)
def _distinguishable():
    if _kernel_receive_buffer(SHIPPED_BUFFER) <= _kernel_receive_buffer(USER_BUFFER):
        pytest.skip('net.core.rmem_max too small to tell the profiles apart')
    if shutil.which('ss') is None:
        pytest.skip('ss (iproute2) is not installed')


@pytest.mark.parametrize('name', ['server', 'client', 'recorder'])
def test_entry_point_loads_the_shipped_profile(name, tmp_path, ros_env, processes):
    ros_env.pop('FASTDDS_DEFAULT_PROFILES_FILE', None)
    node = processes.start(_entry_point(name, tmp_path), env=ros_env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_for_buffer(node.pid, _kernel_receive_buffer(SHIPPED_BUFFER))


def test_a_profile_the_user_set_is_kept(tmp_path, ros_env, processes):
    profile = tmp_path / 'user_profile.xml'
    profile.write_text(shipped_profile().read_text().replace(
        f'<receiveBufferSize>{SHIPPED_BUFFER}<', f'<receiveBufferSize>{USER_BUFFER}<'))
    assert str(USER_BUFFER) in profile.read_text()
    env = {**ros_env, 'FASTDDS_DEFAULT_PROFILES_FILE': str(profile)}
    node = processes.start(_entry_point('server', tmp_path), env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    buffers = _wait_for_buffer(node.pid, _kernel_receive_buffer(USER_BUFFER))
    assert _kernel_receive_buffer(SHIPPED_BUFFER) not in buffers
