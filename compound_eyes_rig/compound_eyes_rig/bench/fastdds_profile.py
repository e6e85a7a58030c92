"""A Fast DDS default participant profile with larger socket buffers.

Large frames over UDP overflow the kernel's default receive buffers between hosts, which
costs retransmissions and latency; Fast DDS reads this XML from FASTDDS_DEFAULT_PROFILES_FILE
for every participant the process creates. net.core.rmem_max (4 MiB here) caps what the
kernel grants, and it cannot be raised inside a network namespace.
"""
from __future__ import annotations

from pathlib import Path

SOCKET_BUFFER_BYTES = 4 * 1024 * 1024

_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<dds xmlns="http://www.eprosima.com">
  <profiles>
    <participant profile_name="compound_eyes_large_buffers" is_default_profile="true">
      <rtps>
        <sendSocketBufferSize>{size}</sendSocketBufferSize>
        <listenSocketBufferSize>{size}</listenSocketBufferSize>
      </rtps>
    </participant>
  </profiles>
</dds>
"""


def write_profile(path: str | Path, socket_buffer_bytes: int = SOCKET_BUFFER_BYTES) -> Path:
    """Write the profile XML to path and return it."""
    out = Path(path)
    out.write_text(_PROFILE.format(size=int(socket_buffer_bytes)))
    return out


def profile_env(path: str | Path) -> dict[str, str]:
    """Environment additions that make Fast DDS in child processes load the profile."""
    return {'FASTDDS_DEFAULT_PROFILES_FILE': str(path)}
