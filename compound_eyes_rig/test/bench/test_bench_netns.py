import json
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

from compound_eyes_rig.bench import netns
from compound_eyes_rig.bench.dds_profiles import profile_env
from compound_eyes_rig.bench.netns import list_namespaces

pytestmark = [pytest.mark.netns,
              pytest.mark.skipif(os.geteuid() != 0, reason='network namespaces need root')]

UDP_ECHO = textwrap.dedent('''
    import socket, sys
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if sys.argv[1] == 'server':
        s.bind(('0.0.0.0', 47001))
        data, peer = s.recvfrom(100)
        s.sendto(data, peer)
    else:
        s.settimeout(0.5)
        for _ in range(40):
            s.sendto(b'hello', (sys.argv[2], 47001))
            try:
                print(s.recvfrom(100)[0].decode())
                break
            except TimeoutError:
                pass
''')


def test_hosts_reach_each_other_over_udp():
    with netns.Testbed(['a', 'b']) as testbed:
        a, b = testbed.host('a'), testbed.host('b')
        assert a.address != b.address
        server = subprocess.Popen([*b.prefix, sys.executable, '-c', UDP_ECHO, 'server'])
        try:
            reply = subprocess.run([*a.prefix, sys.executable, '-c', UDP_ECHO, 'client',
                                    b.address], capture_output=True, text=True, timeout=30)
        finally:
            server.kill()
            server.wait()
        assert reply.stdout.strip() == 'hello'
    assert list_namespaces(testbed.prefix) == []


@pytest.mark.skipif(shutil.which('ping') is None, reason='ping (iputils-ping) is not installed')
def test_hosts_ping_each_other():
    with netns.Testbed(['a', 'b']) as testbed:
        a, b = testbed.hosts
        subprocess.run([*a.prefix, 'ping', '-c', '1', '-W', '1', b.address], check=True,
                       timeout=10)


def test_teardown_also_when_body_raises():
    with pytest.raises(RuntimeError, match='boom'), netns.Testbed(['x', 'y', 'z']) as testbed:
        assert len(list_namespaces(testbed.prefix)) == 4  # bridge + 3 hosts
        raise RuntimeError('boom')
    assert list_namespaces(testbed.prefix) == []


@pytest.mark.slow
def test_dds_message_crosses_namespaces(ros_env):
    # Cross-host traffic must be allowed for this test; the peers stop on their own.
    env = dict(ros_env)
    env.pop('ROS_AUTOMATIC_DISCOVERY_RANGE', None)
    peer = 'compound_eyes_rig.bench.peers.ros_image'
    env.update(profile_env())
    with netns.Testbed(['pub', 'sub']) as testbed:
        sub = subprocess.Popen(
            [*testbed.host('sub').prefix, sys.executable, '-m', peer, 'sub', '--idle', '1',
             '--timeout', '40'], env=env, stdout=subprocess.PIPE, text=True)
        pub = subprocess.run(
            [*testbed.host('pub').prefix, sys.executable, '-m', peer, 'pub', '--duration',
             '0.5', '--warmup', '0.5'], env=env, capture_output=True, text=True, timeout=60)
        out, _ = sub.communicate(timeout=60)
        assert '"matched": 1' in pub.stdout, pub.stderr[-1000:]
        assert '"frames": 0' not in out
        assert testbed.host('sub').rx_bytes() > 900_000  # a full frame crossed the veth


def _link_mtu(namespace, link):
    out = subprocess.run(['ip', '-n', namespace, '-j', 'link', 'show', link], check=True,
                         capture_output=True, text=True, timeout=10)
    return json.loads(out.stdout)[0]['mtu']


@pytest.mark.skipif(shutil.which('ping') is None, reason='ping (iputils-ping) is not installed')
def test_jumbo_mtu_carries_unfragmented_9000_byte_packets():
    # 8972 B of ICMP payload + 28 B of headers = 9000 B, sent with "don't fragment".
    def ping_jumbo(testbed):
        a, b = testbed.hosts
        return subprocess.run([*a.prefix, 'ping', '-c', '1', '-W', '1', '-M', 'do', '-s', '8972',
                               b.address], capture_output=True, timeout=10).returncode
    with netns.Testbed(['a', 'b']) as testbed:
        assert _link_mtu(testbed.host('a').namespace, 'eth0') == netns.ETHERNET_MTU
        assert ping_jumbo(testbed) != 0
        testbed.set_mtu(9000)
        assert {_link_mtu(h.namespace, 'eth0') for h in testbed.hosts} == {9000}
        assert _link_mtu(testbed.bridge_namespace, 'br0') == 9000
        assert ping_jumbo(testbed) == 0
