"""The NTP settings both the client and the server take (fields, so each states them once)."""
from __future__ import annotations

from typing import Any

from compound_eyes.config.schema import setting


def ntp_servers_setting() -> Any:
    """Field of the NTP servers polled for the synced clock."""
    return setting((), 'NTP servers ("host", "host:port" or "[v6]:port"), comma-separated; '
                       'empty: the system clock as it is')


def ntp_poll_interval_setting() -> Any:
    """Field of the time between NTP polls."""
    return setting(4.0, 'seconds between NTP polls', minimum=0.1)
