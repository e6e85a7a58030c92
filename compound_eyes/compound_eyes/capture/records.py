"""What the capture engine is configured with and what it hands out."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from compound_eyes.camera.source import CameraSource, StampSource


@dataclass(frozen=True)
class CameraSpec:
    """One camera of the client; make_source must be picklable (module-level or partial).

    max_width/max_height bound the frames the source delivers; they size the shared-memory
    slots, which only take RAM where frames are actually written.
    """

    channel_id: str
    camera_id: str
    make_source: Callable[[], CameraSource]
    max_width: int = 1920
    max_height: int = 1080

    def __post_init__(self) -> None:
        if not isinstance(self.channel_id, str) or not self.channel_id:
            raise ValueError(f'camera channel_id must be a non-empty string, '
                             f'got {self.channel_id!r}')
        if not callable(self.make_source):
            raise ValueError(f'camera {self.channel_id!r}: make_source must be callable')
        for name in ('max_width', 'max_height'):
            value = getattr(self, name)
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f'camera {self.channel_id!r}: {name} must be a positive '
                                 f'integer, got {value!r}')


@dataclass(frozen=True)
class FrameNote:
    """Worker to parent: a frame is in the ring. Only metadata is pickled, never pixels."""

    tick: int
    slot: int
    generation: int
    length: int
    encoding: str
    width: int
    height: int
    compressed: bool
    capture_ns: int
    stamp_source: int
    uncertainty_ns: int
    read_start_ns: int
    read_end_ns: int
    sequence: int


FREE_RUNNING = 'free-running'   # detail of 'ready': the camera's frames are for the tick before


@dataclass(frozen=True)
class WorkerEvent:
    """Worker to parent: 'ready' (detail FREE_RUNNING or ''), 'error' or 'priority'.

    'error' carries the camera's message, 'priority' the scheduling the worker got.
    """

    kind: str
    detail: str = ''


@dataclass
class FrameRecord:
    """One camera's frame of a set; data is a copy, owned by the receiver."""

    channel_id: str
    camera_id: str
    data: bytes
    encoding: str
    width: int
    height: int
    compressed: bool
    capture_ns: int
    stamp_source: StampSource
    uncertainty_ns: int
    read_start_ns: int
    read_end_ns: int
    sequence: int
    dropped_frames: int = 0   # ticks this camera missed since the engine's first set
    reconnects: int = 0       # reopens inside the worker plus worker respawns


@dataclass(frozen=True)
class TickDelay:
    """How long after T_k each camera waited on one tick, and the command that set it.

    The engine's one record of the delay: each worker was told its channel's number ahead
    of the tick. Channels differ when the server corrects for their latencies.
    """

    channels_ns: Mapping[str, int]
    sequence: int   # the last PhaseDelay command accepted when the tick's step was taken (0: none)

    @property
    def latest_ns(self) -> int:
        """Return the longest delay of any camera: when the last of them grabs."""
        return max(self.channels_ns.values())


@dataclass
class FrameSet:
    """All cameras' frames for one tick, emitted when complete or at its deadline."""

    tick: int
    scheduled_ns: int
    period_ns: int
    delay: TickDelay
    frames: dict[str, FrameRecord] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Tell whether every camera delivered."""
        return not self.missing

    @property
    def phase_delay_ns(self) -> int:
        """Return the longest delay any camera applied on this tick."""
        return self.delay.latest_ns

    @property
    def phase_delay_sequence(self) -> int:
        """Return the sequence of the command behind this tick's delay (0: none)."""
        return self.delay.sequence


@dataclass
class CameraStats:
    """Counters of one camera since the engine started."""

    channel_id: str
    frames: int = 0
    dropped: int = 0        # sets emitted without this camera
    late: int = 0           # frames that arrived after their set was emitted
    overwritten: int = 0    # ring slots reused before the parent copied them
    reopens: int = 0        # successful reopens after a CameraError, inside the worker
    respawns: int = 0       # worker processes killed (hung) or found dead and restarted
    errors: int = 0
    last_error: str = ''
    priority: str = ''      # scheduling the worker got, e.g. 'SCHED_FIFO 10'

    @property
    def reconnects(self) -> int:
        """Return reopens plus respawns: every time the camera came back."""
        return self.reopens + self.respawns


@dataclass
class EngineStats:
    """Counters of the engine as a whole plus every camera's."""

    sets_emitted: int = 0
    sets_complete: int = 0
    sets_discarded: int = 0   # emitted sets dropped because nobody consumed them
    cameras: dict[str, CameraStats] = field(default_factory=dict)
