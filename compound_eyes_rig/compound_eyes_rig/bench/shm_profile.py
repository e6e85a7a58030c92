"""A Fast DDS default participant profile with a larger shared-memory segment.

On one host Fast DDS carries data through shared memory, in a segment of 512 KiB by default,
while a set of four 640x480 bgr8 frames is 3.7 MB. In the client benchmark such sets arrived
about 60 ms after capture and some never did; with a segment that holds several whole sets
they arrived in about 20 ms and none was lost (docs/benchmarks.md, "Client capture").
UDPv4 stays for discovery and other hosts. Load it with bench.fastdds_profile.profile_env(path)
in every process of the host.
"""
from __future__ import annotations

from pathlib import Path

SEGMENT_BYTES = 32 * 1024 * 1024

_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<dds xmlns="http://www.eprosima.com">
  <profiles>
    <transport_descriptors>
      <transport_descriptor>
        <transport_id>compound_eyes_shm</transport_id>
        <type>SHM</type>
        <segment_size>{size}</segment_size>
      </transport_descriptor>
      <transport_descriptor>
        <transport_id>compound_eyes_udp</transport_id>
        <type>UDPv4</type>
      </transport_descriptor>
    </transport_descriptors>
    <participant profile_name="compound_eyes_large_shm" is_default_profile="true">
      <rtps>
        <userTransports>
          <transport_id>compound_eyes_shm</transport_id>
          <transport_id>compound_eyes_udp</transport_id>
        </userTransports>
        <useBuiltinTransports>false</useBuiltinTransports>
      </rtps>
    </participant>
  </profiles>
</dds>
"""


def write_shm_profile(path: str | Path, segment_bytes: int = SEGMENT_BYTES) -> Path:
    """Write the profile XML to path and return it."""
    out = Path(path)
    out.write_text(_PROFILE.format(size=int(segment_bytes)))
    return out
