"""One NTP poll: several queries, sanity checks, and the best (lowest-delay) sample kept.

The offset is "server - local" for the host being played. ntplib stamps its packets with the
real clock, so for a simulated host (ClockErrorModel) the injected error is subtracted: NTP then
sees the error exactly as it would on a badly set real host.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import ntplib

from compound_eyes.clock.synced import ClockErrorModel

NTP_PORT = 123
LEAP_ALARM = 3                         # leap indicator 3: server clock not synchronized
MODE_SERVER = 4
DEFAULT_MAX_DELAY_NS = 100_000_000     # a loaded LAN never needs 100 ms for a round trip
DEFAULT_MAX_OFFSET_NS = 2_000_000_000  # further off: fix the system clock, don't trust NTP here


class NtpError(RuntimeError):
    """No sane NTP sample could be had; the message names each server and the reason."""


@dataclass(frozen=True)
class NtpSample:
    """One sane NTP answer, converted to integer nanoseconds."""

    server: str          # as configured, e.g. '127.0.0.1:12345'
    offset_ns: int       # server - local (local = the played host's system clock)
    delay_ns: int        # round-trip delay minus the server's processing time
    stratum: int
    leap: int
    taken_at_ns: int     # time.monotonic_ns() when the answer arrived


@dataclass(frozen=True)
class SanityLimits:
    """Bounds beyond which an NTP answer is rejected instead of trusted."""

    max_delay_ns: int = DEFAULT_MAX_DELAY_NS
    max_offset_ns: int = DEFAULT_MAX_OFFSET_NS


def parse_server(server: str, default_port: int = NTP_PORT) -> tuple[str, int]:
    """Split 'host', 'host:port' or '[v6addr]:port' into host and port."""
    text = server.strip()
    host, port_text = text, None
    if text.startswith('['):
        host, sep, rest = text[1:].partition(']')
        if not sep or (rest and not rest.startswith(':')):
            raise ValueError(f'NTP server {server!r}: expected [address]:port')
        port_text = rest[1:] if rest else None
    elif text.count(':') == 1:
        host, port_text = text.split(':')
    if not host:
        raise ValueError(f'NTP server {server!r}: empty host')
    if port_text is None:
        return host, default_port
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f'NTP server {server!r}: port {port_text!r} is not in 1..65535')
    return host, int(port_text)


def query_once(server: str, timeout_s: float = 0.5, port: int = NTP_PORT,
               error: ClockErrorModel | None = None,
               limits: SanityLimits | None = None) -> NtpSample:
    """Ask one server once; raise NtpError naming the server when it fails or answers insanely."""
    limits = limits if limits is not None else SanityLimits()
    host, real_port = parse_server(server, port)
    try:
        stats = ntplib.NTPClient().request(host, version=4, port=real_port, timeout=timeout_s)
    except (ntplib.NTPException, OSError) as exc:
        raise NtpError(f'{server}: no answer ({exc})') from exc
    real_ns = time.time_ns()
    taken_at = time.monotonic_ns()
    _check_sane(server, stats, limits)
    offset_ns = round(stats.offset * 1e9)
    if error is not None and not error.is_zero:
        offset_ns -= error.error_ns(real_ns)
    if abs(offset_ns) > limits.max_offset_ns:
        raise NtpError(f'{server}: |offset| {offset_ns / 1e6:.3f} ms exceeds the limit '
                       f'{limits.max_offset_ns / 1e6:.3f} ms')
    return NtpSample(server=server, offset_ns=offset_ns, delay_ns=round(stats.delay * 1e9),
                     stratum=stats.stratum, leap=stats.leap, taken_at_ns=taken_at)


def _check_sane(server: str, stats: ntplib.NTPStats, limits: SanityLimits) -> None:
    """Reject answers a careful NTP client would not use for synchronization."""
    if stats.mode != MODE_SERVER:
        raise NtpError(f'{server}: answer mode {stats.mode} is not a server reply')
    if stats.stratum == 0:
        code = stats.ref_id.to_bytes(4, 'big').decode('ascii', 'replace').strip('\0')
        raise NtpError(f'{server}: stratum 0 (kiss-o\'-death {code!r})')
    if stats.stratum >= 16:
        raise NtpError(f'{server}: stratum {stats.stratum} (server unsynchronized)')
    if stats.leap == LEAP_ALARM:
        raise NtpError(f'{server}: leap indicator 3 (alarm: server clock not synchronized)')
    if stats.tx_timestamp == 0 or stats.recv_timestamp == 0:
        raise NtpError(f'{server}: zero server timestamp')
    delay_ns = stats.delay * 1e9
    if not 0 <= delay_ns <= limits.max_delay_ns:
        raise NtpError(f'{server}: round-trip delay {delay_ns / 1e6:.3f} ms outside '
                       f'0..{limits.max_delay_ns / 1e6:.3f} ms')


def query_best(servers: list[str], queries: int = 4, timeout_s: float = 0.5,
               port: int = NTP_PORT, error: ClockErrorModel | None = None,
               limits: SanityLimits | None = None,
               cancel: threading.Event | None = None) -> NtpSample:
    """Query every server `queries` times and keep the sane sample with the smallest delay.

    The smallest round trip has the least room for asymmetric queueing, so its offset is the
    most trustworthy (the classic clock filter). Setting `cancel` ends the poll early.
    """
    if not servers:
        raise ValueError('query_best: servers is empty')
    if queries < 1:
        raise ValueError(f'query_best: queries must be >= 1, got {queries}')
    best: NtpSample | None = None
    reasons: dict[str, str] = {}
    for server in servers * queries:
        if cancel is not None and cancel.is_set():
            break
        try:
            sample = query_once(server, timeout_s, port, error, limits)
        except NtpError as exc:
            reasons[server] = str(exc)
            continue
        if best is None or sample.delay_ns < best.delay_ns:
            best = sample
    if best is None:
        detail = '; '.join(reasons.values()) or 'cancelled'
        raise NtpError(f'no sane NTP sample: {detail}')
    return best
