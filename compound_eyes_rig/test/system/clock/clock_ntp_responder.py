"""A tiny real UDP NTP peer that answers however a test wants: insane, slow, or far off."""
from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

NTP_EPOCH_DELTA = 2_208_988_800   # seconds from 1900-01-01 to 1970-01-01
PACKET = struct.Struct('!BBbb11I')


def _ntp_pair(unix_s: float) -> tuple[int, int]:
    ntp = unix_s + NTP_EPOCH_DELTA
    return int(ntp), int((ntp % 1) * 2**32)


@contextmanager
def ntp_responder(stratum: int = 2, leap: int = 0, offset_s: float = 0.0,
                  hold_s: float = 0.0, ref_id: bytes = b'GPS\0') -> Iterator[str]:
    """Serve NTP replies on 127.0.0.1 until the block ends; yield 'IP:PORT'."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(('127.0.0.1', 0))
    sock.settimeout(0.05)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                request, peer = sock.recvfrom(512)
            except TimeoutError:
                continue
            time.sleep(hold_s)                     # looks like network delay to the client
            received = time.time() + offset_s
            fields = PACKET.unpack(request[:PACKET.size])
            origin = fields[-2:]                   # the client's transmit timestamp
            reply = PACKET.pack(
                leap << 6 | 4 << 3 | 4, stratum, 6, -20, 0, 0,
                int.from_bytes(ref_id, 'big'), *_ntp_pair(received), *origin,
                *_ntp_pair(received), *_ntp_pair(time.time() + offset_s))
            sock.sendto(reply, peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f'127.0.0.1:{sock.getsockname()[1]}'
    finally:
        stop.set()
        thread.join(timeout=2)
        sock.close()


@contextmanager
def silent_port() -> Iterator[str]:
    """Hold a UDP port that never answers, so queries to it time out for sure."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(('127.0.0.1', 0))
        yield f'127.0.0.1:{sock.getsockname()[1]}'
