"""Which discovered topics the recorder records, decided from names and types alone."""
from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from compound_eyes.record.types import (
    CLOCK_STATUS,
    DIAGNOSTIC_ARRAY,
    PHASE_DELAY,
    SYNC_STATUS,
    SYNCED_FRAME_SET,
)

STATUS_TYPES = frozenset({CLOCK_STATUS, SYNC_STATUS, PHASE_DELAY})


@dataclass(frozen=True)
class TopicSelection:
    """Record SyncedFrameSet topics (or those matching patterns) plus optional status topics.

    patterns are shell-style globs on topic names ('/client_*/synced_frames'); when given they
    replace the SyncedFrameSet default. Status and diagnostics topics are added by flag.
    """

    patterns: tuple[str, ...] = ()
    status: bool = False
    diagnostics: bool = False

    def wants(self, topic: str, msgtype: str) -> bool:
        """Return True when the topic should be recorded."""
        if self.status and msgtype in STATUS_TYPES:
            return True
        if self.diagnostics and msgtype == DIAGNOSTIC_ARRAY and topic == '/diagnostics':
            return True
        if self.patterns:
            return any(fnmatchcase(topic, p) for p in self.patterns)
        return msgtype == SYNCED_FRAME_SET
