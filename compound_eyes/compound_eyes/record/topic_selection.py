"""Which discovered topics the recorder records, decided from names and types alone."""
from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from compound_eyes.interfaces.schema import (
    CAMERA_INFO_TYPE,
    CLOCK_STATUS_TYPE,
    COMPRESSED_IMAGE_TYPE,
    DIAGNOSTIC_ARRAY_TYPE,
    DIAGNOSTICS,
    FRAME_SET_TIMING_TYPE,
    IMAGE_TYPE,
    PHASE_DELAY_TYPE,
    SYNC_STATUS_TYPE,
    SYNCED_FRAME_SET_TYPE,
)

SET_TYPES = frozenset({SYNCED_FRAME_SET_TYPE, FRAME_SET_TIMING_TYPE})
STATUS_TYPES = frozenset({CLOCK_STATUS_TYPE, SYNC_STATUS_TYPE, PHASE_DELAY_TYPE})
CAMERA_TYPES = frozenset({IMAGE_TYPE, COMPRESSED_IMAGE_TYPE, CAMERA_INFO_TYPE})


@dataclass(frozen=True)
class TopicSelection:
    """Record the sets (or topics matching patterns) plus optional status topics.

    By default every SyncedFrameSet and FrameSetTiming topic is recorded. patterns are
    shell-style globs on topic names ('/client_*/synced_frames'); when given they replace that
    default. Status, diagnostics and per-camera topics (images and camera info, picked by
    type like the sets) are added by flag.
    """

    patterns: tuple[str, ...] = ()
    status: bool = False
    diagnostics: bool = False
    cameras: bool = False

    def wants(self, topic: str, msgtype: str) -> bool:
        """Return True when the topic should be recorded."""
        if self.status and msgtype in STATUS_TYPES:
            return True
        if self.diagnostics and msgtype == DIAGNOSTIC_ARRAY_TYPE and topic == DIAGNOSTICS:
            return True
        if self.cameras and msgtype in CAMERA_TYPES:
            return True
        if self.patterns:
            return any(fnmatchcase(topic, p) for p in self.patterns)
        return msgtype in SET_TYPES
