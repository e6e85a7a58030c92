"""Parameter documents of a scenario's server and clients, built on the demo's helpers.

The demo's documents are extended per camera (a distinct seed, drift, failure window) and
per host (clock step), so both rigs read the same keys the same way.
"""
from __future__ import annotations

from compound_eyes_rig.bench.harness.scenarios import (
    CAMERA_FAULT,
    CLOCK_STEP,
    HostPlan,
    Scenario,
)
from compound_eyes_rig.demo.configs import DemoClient, DemoSettings, client_parameters

SEEDS_PER_HOST = 100   # camera seeds differ across hosts: equal seeds would share jitter


def drift_ppm(scenario: Scenario, host_index: int, camera_index: int) -> float:
    """Spread the scenario's drift evenly over [-drift, +drift] across every camera."""
    cameras = scenario.clients * scenario.cameras
    if not scenario.drift_ppm or cameras == 1:
        return 0.0
    position = host_index * scenario.cameras + camera_index
    return scenario.drift_ppm * (2 * position / (cameras - 1) - 1)


def client_document(scenario: Scenario, host: HostPlan, ntp_servers: list[str], model: str,
                    origin_ns: int, disturbed: bool) -> dict:
    """Return the ROS parameter document of one client.

    origin_ns is the real time that scenario time 0 is planned at (fault windows are absolute);
    disturbed=False leaves out the scenario's faults (the baseline phase runs without them).
    """
    host_index = [h.client_id for h in scenario.hosts].index(host.client_id)
    demo = DemoClient(host.client_id, host.clock_offset_ms, host.latency_ms,
                      cameras=scenario.cameras, camera_id=f'synthetic:{model}',
                      jitter_ns=scenario.jitter_ns)
    settings = DemoSettings(fps=scenario.fps, width=scenario.width, height=scenario.height,
                            image_format=scenario.image_format)
    document = client_parameters(demo, settings, ntp_servers)
    params = document['/**']['ros__parameters']
    for index, channel in enumerate(scenario.channels):
        camera = params['camera_config'][channel]
        camera['seed'] = host_index * SEEDS_PER_HOST + index
        if model == 'freerun':
            camera['drift_ppm'] = drift_ppm(scenario, host_index, index)
    for disturbance in scenario.disturbances if disturbed else ():
        if disturbance.client != host.client_id:
            continue
        if disturbance.kind == CLOCK_STEP:
            params['simulation'].update(clock_step_ms=disturbance.size_ms,
                                        clock_step_at_s=disturbance.at_s)
        elif disturbance.kind == CAMERA_FAULT:
            start = origin_ns + round(disturbance.at_s * 1e9)
            params['camera_config'][disturbance.channel]['fail_between'] = [
                start, start + round(disturbance.length_s * 1e9)]
    return document
