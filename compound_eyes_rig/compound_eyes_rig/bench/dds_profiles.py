"""The Fast DDS profiles benchmarks run with: the shipped one, and variants derived from it.

Benchmarks measure what a deployment runs, so every DDS process gets the shipped profile
(compound_eyes/config/fastdds_large_frames.xml). A variant exists only where a benchmark
shows what one of the profile's settings buys; it is the shipped file with that one value
changed, so the comparison never drifts from what is shipped.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from compound_eyes.nodes.dds_profile import PROFILE_VARIABLE, shipped_profile

FASTDDS_DEFAULT_SHM_SEGMENT_BYTES = 512 * 1024   # Fast DDS's own default segment
_NS = {'dds': 'http://www.eprosima.com'}


def profile_env(path: str | Path | None = None) -> dict[str, str]:
    """Environment additions that make child processes load path (default: the shipped one)."""
    return {PROFILE_VARIABLE: str(path or shipped_profile())}


def _with_transport_value(out: Path, transport: str, tag: str, value: int) -> Path:
    """Write the shipped profile with tag of its one transport of that type set to value."""
    ET.register_namespace('', _NS['dds'])
    tree = ET.parse(shipped_profile())
    descriptors = tree.getroot().findall(
        f'.//dds:transport_descriptor[dds:type="{transport}"]', _NS)
    if len(descriptors) != 1:
        raise ValueError(f'{shipped_profile()}: expected one {transport} transport_descriptor, '
                         f'found {len(descriptors)}')
    element = descriptors[0].find(f'dds:{tag}', _NS)
    if element is None:
        element = ET.SubElement(descriptors[0], f'{{{_NS["dds"]}}}{tag}')
    element.text = str(int(value))
    tree.write(out, encoding='UTF-8', xml_declaration=True)
    return out


def with_shm_segment(out: Path, segment_bytes: int) -> Path:
    """Write the shipped profile with its shared-memory segment resized to out; return out."""
    return _with_transport_value(out, 'SHM', 'segment_size', segment_bytes)


def with_udp_max_message_size(out: Path, size_bytes: int) -> Path:
    """Write the shipped profile with its UDP datagrams capped at size_bytes; return out.

    A datagram no larger than the link's MTU minus the IP and UDP headers is never cut into
    IP fragments; Fast DDS then sends more, smaller DATA_FRAG submessages instead.
    """
    return _with_transport_value(out, 'UDPv4', 'maxMessageSize', size_bytes)
