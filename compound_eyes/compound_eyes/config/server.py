"""Settings of the server node, read from ROS-form parameters."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from compound_eyes.config.section import Section


@dataclass(frozen=True)
class ServerConfig:
    """Loop and bookkeeping settings; the tick period is learned from the clients' sets."""

    reference: str = 'median'
    command_rate_hz: float = 10.0
    status_rate_hz: float = 2.0
    command_ttl_s: float = 2.0
    window: int = 30
    lock_threshold_us: float = 500.0
    lost_timeout_s: float = 2.0
    forget_timeout_s: float = 30.0
    discovery_interval_s: float = 1.0
    ntp_servers: tuple[str, ...] = ()
    ntp_poll_interval_s: float = 4.0

    @classmethod
    def from_parameters(cls, params: dict[str, Any], source: str = '') -> ServerConfig:
        """Validate nested parameters; raise ConfigError naming the first bad key."""
        top = Section(params, source=source)
        lost = top.number('lost_timeout_s', 2.0, positive=True)
        config = cls(
            reference=top.text('reference', 'median'),
            command_rate_hz=top.number('command_rate_hz', 10.0, positive=True, maximum=1000.0),
            status_rate_hz=top.number('status_rate_hz', 2.0, positive=True, maximum=100.0),
            command_ttl_s=top.number('command_ttl_s', 2.0, positive=True),
            window=top.integer('window', 30, minimum=3, maximum=10000),
            lock_threshold_us=top.number('lock_threshold_us', 500.0, positive=True),
            lost_timeout_s=lost,
            forget_timeout_s=top.number('forget_timeout_s', 30.0, minimum=lost),
            discovery_interval_s=top.number('discovery_interval_s', 1.0, positive=True),
            ntp_servers=tuple(top.text_list('ntp_servers', [])),
            ntp_poll_interval_s=top.number('ntp_poll_interval_s', 4.0, minimum=0.1),
        )
        top.finish()
        return config
