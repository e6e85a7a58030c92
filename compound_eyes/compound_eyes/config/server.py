"""Settings of the server node, read from ROS-form parameters."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from compound_eyes.config.command_key import load_command_keys
from compound_eyes.config.ntp import (
    check_ntp_servers,
    ntp_poll_interval_setting,
    ntp_servers_setting,
)
from compound_eyes.config.schema import Settings, read_settings, setting
from compound_eyes.config.section import Section, identifier_problem

MEDIAN = 'median'


@dataclass(frozen=True)
class ServerConfig(Settings):
    """Loop and bookkeeping settings; the tick period is learned from the clients' sets."""

    reference: str = setting(MEDIAN, '"median" of all clients, or the client_id whose '
                                     'capture phase the others follow',
                             rule='median or a client_id')
    command_rate_hz: float = setting(10.0, 'PhaseDelay commands per client per second',
                                     positive=True, maximum=1000.0, live=True)
    status_rate_hz: float = setting(2.0, 'sync_status and /diagnostics messages per second',
                                    positive=True, maximum=100.0, live=True)
    command_ttl_s: float = setting(2.0, 'seconds a command stays valid; clients ignore it after',
                                   positive=True, maximum=3600.0, live=True)
    window: int = setting(30, 'sets per client in the robust (median) estimate',
                          minimum=3, maximum=10000)
    lock_threshold_us: float = setting(500.0, 'largest distance of a set\'s capture phase from '
                                              'the target that counts as locked, µs',
                                       positive=True, maximum=1e6, live=True)
    lost_timeout_s: float = setting(2.0, 'seconds unseen until a client is LOST (no commands)',
                                    positive=True, maximum=3600.0)
    forget_timeout_s: float = setting(30.0, 'seconds unseen until a client is forgotten',
                                      maximum=86400.0, rule='>= lost_timeout_s')
    discovery_interval_s: float = setting(1.0, 'seconds between looks for new clients\' '
                                               'timing topics', positive=True,
                                         maximum=3600.0, live=True)
    ntp_servers: tuple[str, ...] = ntp_servers_setting()
    ntp_poll_interval_s: float = ntp_poll_interval_setting()
    command_key_file: str = setting('', 'rig key file (compound-eyes keygen) the server signs '
                                        'every PhaseDelay with; empty: commands unsigned')
    command_key: bytes = dataclasses.field(default=b'', repr=False)   # read from the file

    @classmethod
    def read(cls, top: Section) -> ServerConfig:
        """Read every setting and the key; forget_timeout_s must be >= lost_timeout_s."""
        config = read_settings(cls, top)
        if config.forget_timeout_s < config.lost_timeout_s:
            raise top.error('forget_timeout_s', f'must be >= lost_timeout_s '
                                                f'({config.lost_timeout_s:g}), '
                                                f'got {config.forget_timeout_s:g}')
        check_ntp_servers(top, config.ntp_servers)
        if config.reference != MEDIAN and identifier_problem(config.reference):
            raise top.error('reference', f'must be {MEDIAN} or a client_id: '
                                         f'{identifier_problem(config.reference)}')
        keys = load_command_keys(top, [config.command_key_file] if config.command_key_file else [])
        return dataclasses.replace(config, command_key=keys[0] if keys else b'')

    @property
    def command_period_s(self) -> float:
        """Seconds between two rounds of commands."""
        return 1.0 / self.command_rate_hz

    @property
    def status_period_s(self) -> float:
        """Seconds between two status messages."""
        return 1.0 / self.status_rate_hz

    @property
    def command_ttl_ns(self) -> int:
        """How long a command stays valid, in nanoseconds."""
        return round(self.command_ttl_s * 1e9)

    @property
    def lock_threshold_ns(self) -> int:
        """The lock threshold in nanoseconds."""
        return round(self.lock_threshold_us * 1e3)

    def estimator_options(self) -> dict[str, Any]:
        """Return the PhaseEstimator keyword arguments these settings fix."""
        return {'window': self.window, 'reference': self.reference,
                'lock_threshold_ns': self.lock_threshold_ns,
                'lost_timeout_s': self.lost_timeout_s,
                'forget_timeout_s': self.forget_timeout_s}
