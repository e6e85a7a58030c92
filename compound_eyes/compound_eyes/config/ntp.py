"""The NTP settings both the client and the server take (fields, so each states them once)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from compound_eyes.clock.ntp import parse_server
from compound_eyes.config.schema import setting
from compound_eyes.config.section import Section

NTP_SERVERS = 'ntp_servers'
HOST_MAX_CHARS = 253      # the longest DNS name


def ntp_servers_setting() -> Any:
    """Field of the NTP servers polled for the synced clock."""
    return setting((), 'NTP servers ("host", "host:port" or "[v6]:port"), comma-separated; '
                       'empty: the system clock as it is',
                   rule='ASCII host names or addresses')


def ntp_poll_interval_setting() -> Any:
    """Field of the time between NTP polls."""
    return setting(4.0, 'seconds between NTP polls', minimum=0.1, maximum=3600.0)


def check_ntp_servers(top: Section, servers: Sequence[str]) -> None:
    """Raise a ConfigError naming ntp_servers unless each is a host name or address[:port]."""
    for server in servers:
        try:
            host, _ = parse_server(server)
        except ValueError as error:
            raise top.error(NTP_SERVERS, str(error)) from None
        if not (host.isascii() and len(host) <= HOST_MAX_CHARS
                and all(c.isalnum() or c in '.-:' for c in host)):
            raise top.error(NTP_SERVERS, f'{server!r} is no host name or address')
