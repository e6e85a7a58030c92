"""SIGTERM as an exception, so `with` blocks and finally clauses clean up on termination."""
from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class Terminated(Exception):  # noqa: N818 - named after the signal, like KeyboardInterrupt
    """Raised in the main thread when SIGTERM arrives."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated(f'received signal {signum}')


@contextmanager
def sigterm_raises() -> Iterator[None]:
    """Within the block, SIGTERM raises Terminated so finally/with blocks run."""
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
