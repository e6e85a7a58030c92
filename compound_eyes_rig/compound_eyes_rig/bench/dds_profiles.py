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


def with_shm_segment(out: Path, segment_bytes: int) -> Path:
    """Write the shipped profile with its shared-memory segment resized to out; return out."""
    ET.register_namespace('', _NS['dds'])
    tree = ET.parse(shipped_profile())
    sizes = tree.getroot().findall('.//dds:transport_descriptor[dds:type="SHM"]/'
                                   'dds:segment_size', _NS)
    if len(sizes) != 1:
        raise ValueError(f'{shipped_profile()}: expected one SHM segment_size, found '
                         f'{len(sizes)}')
    sizes[0].text = str(int(segment_bytes))
    tree.write(out, encoding='UTF-8', xml_declaration=True)
    return out
