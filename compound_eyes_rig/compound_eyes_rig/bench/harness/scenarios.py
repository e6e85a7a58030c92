"""The named benchmark scenarios: who runs, with which cameras, and what goes wrong when.

Times are seconds after the moment every client delivers its first set (scenario time 0);
`scaled()` stretches a scenario and its disturbances to another duration, so a short test
and the full benchmark run the same story.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from compound_eyes_rig.bench.netns import ETHERNET_MTU, JUMBO_MTU

CLOCK_STEP = 'clock_step'          # one client's system clock jumps (simulation.clock_step_*)
KILL_CLIENT = 'kill_client'        # SIGKILL of a client's process group, like a crash
START_CLIENT = 'start_client'      # the killed client comes back with the same parameters
RESTART_SERVER = 'restart_server'  # the server stops (SIGINT) and starts again
CAMERA_FAULT = 'camera_fault'      # one camera's open()/grab() fail for length_s (fail_between)


@dataclass(frozen=True)
class HostPlan:
    """One simulated client host: its clock error and the latency of its cameras."""

    client_id: str
    clock_offset_ms: float
    latency_ms: float


@dataclass(frozen=True)
class Disturbance:
    """One scheduled fault; client and channel say where, size_ms how big a clock step is."""

    kind: str
    at_s: float
    client: str = ''
    channel: str = ''
    length_s: float = 0.0
    size_ms: float = 0.0


# Several ms of clock error per host (NTP must remove it) and latencies the loop must align.
HOSTS = (HostPlan('client_a', +7.0, 2.0), HostPlan('client_b', -11.0, 5.0),
         HostPlan('client_c', +4.0, 3.5))


@dataclass(frozen=True)
class Scenario:
    """A rig and its story; image settings are chosen so the rig fits two cores."""

    name: str
    summary: str
    clients: int
    cameras: int
    camera_model: str = 'triggered'
    duration_s: float = 60.0
    fps: float = 30.0
    width: int = 320
    height: int = 240
    image_format: str = 'jpeg'
    jitter_ns: int = 20_000        # camera latency jitter (normal sigma), on top of latency
    drift_ppm: float = 0.0         # free-running cameras spread over [-drift, +drift] ppm
    camera_latencies_ms: tuple[float, ...] = ()   # per camera of every client (else the host's)
    disturbances: tuple[Disturbance, ...] = ()
    baseline: bool = True          # run the free-running phase the after-the-fact pairings use
    floor: bool = True             # measure the wake-spread floor in the same namespaces
    mtu: int = ETHERNET_MTU        # of the simulated network's links

    @property
    def hosts(self) -> tuple[HostPlan, ...]:
        """The client hosts of this scenario."""
        return HOSTS[:self.clients]

    @property
    def channels(self) -> list[str]:
        """Channel ids every client uses."""
        return [f'cam{index}' for index in range(self.cameras)]

    def scaled(self, duration_s: float) -> Scenario:
        """Return the scenario run for duration_s, its disturbances moved in proportion."""
        if not duration_s > 0:
            raise ValueError(f'--duration must be > 0, got {duration_s!r}')
        factor = duration_s / self.duration_s
        return replace(self, duration_s=duration_s, disturbances=tuple(
            replace(d, at_s=d.at_s * factor, length_s=d.length_s * factor)
            for d in self.disturbances))


SYNC_SCENARIOS = {scenario.name: scenario for scenario in (
    Scenario('triggered-3x4', '3 clients x 4 triggered cameras', 3, 4),
    Scenario('triggered-3x1', '3 clients x 1 triggered camera', 3, 1),
    Scenario('clock-step', '3x4 triggered; client_b clock jumps 20 ms at t=20 s', 3, 4,
             disturbances=(Disturbance(CLOCK_STEP, 20.0, client='client_b', size_ms=20.0),)),
    Scenario('mixed-latency', '2 clients x 2 triggered cameras of 1 ms and 4 ms latency', 2, 2,
             camera_latencies_ms=(1.0, 4.0)),
    Scenario('freerun-drift', '3 clients x 2 free-running cameras, +-100 ppm', 3, 2,
             camera_model='freerun', drift_ppm=100.0, baseline=False),
    Scenario('churn', '3x2 triggered; client_c killed at 15 s, back at 30 s; '
             'server restarted at 45 s', 3, 2,
             disturbances=(Disturbance(KILL_CLIENT, 15.0, client='client_c'),
                           Disturbance(START_CLIENT, 30.0, client='client_c'),
                           Disturbance(RESTART_SERVER, 45.0))),
    Scenario('camera-fault', '3x2 triggered; client_a cam1 fails for 5 s at t=20 s', 3, 2,
             disturbances=(Disturbance(CAMERA_FAULT, 20.0, client='client_a', channel='cam1',
                                       length_s=5.0),)),
    Scenario('throughput', '2 clients x 4 cameras 640x480 bgr8 30 Hz, then ours vs the '
             'ZeroMQ + protobuf baseline', 2, 4, width=640, height=480, image_format='bgr8',
             baseline=False, floor=False, mtu=JUMBO_MTU),
)}
SCALE_TIMING = 'scale-timing'
NAMES = (*SYNC_SCENARIOS, SCALE_TIMING)


def scenario(name: str) -> Scenario:
    """Look up a rig scenario by name; raise ValueError listing the known names."""
    try:
        return SYNC_SCENARIOS[name]
    except KeyError:
        raise ValueError(f'unknown scenario {name!r} (known: {", ".join(NAMES)})') from None
