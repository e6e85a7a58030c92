"""Configurations of a scenario's clients, built on the demo's.

The demo's client configurations are extended per camera (a distinct seed, drift, failure
window) and per host (clock step); the harness writes them through to_parameters().
"""
from __future__ import annotations

import dataclasses

from compound_eyes.config.client import ClientConfig
from compound_eyes_rig.bench.harness.scenarios import (
    CAMERA_FAULT,
    CLOCK_STEP,
    HostPlan,
    Scenario,
)
from compound_eyes_rig.demo.configs import DEMO_SETTINGS, DemoClient, client_config

SEEDS_PER_HOST = 100   # camera seeds differ across hosts: equal seeds would share jitter


def drift_ppm(scenario: Scenario, host_index: int, camera_index: int) -> float:
    """Spread the scenario's drift evenly over [-drift, +drift] across every camera."""
    cameras = scenario.clients * scenario.cameras
    if not scenario.drift_ppm or cameras == 1:
        return 0.0
    position = host_index * scenario.cameras + camera_index
    return scenario.drift_ppm * (2 * position / (cameras - 1) - 1)


def host_config(scenario: Scenario, host: HostPlan, ntp_servers: list[str], model: str,
                origin_ns: int, disturbed: bool) -> ClientConfig:
    """Return the configuration of one client.

    origin_ns is the real time that scenario time 0 is planned at (fault windows are absolute);
    disturbed=False leaves out the scenario's faults (the baseline phase runs without them).
    """
    host_index = [h.client_id for h in scenario.hosts].index(host.client_id)
    demo = DemoClient(host.client_id, host.clock_offset_ms, host.latency_ms,
                      cameras=scenario.cameras, camera_id=f'synthetic:{model}',
                      jitter_ns=scenario.jitter_ns)
    settings = dataclasses.replace(DEMO_SETTINGS, fps=scenario.fps, width=scenario.width,
                                   height=scenario.height, image_format=scenario.image_format)
    config = client_config(demo, settings, ntp_servers)
    disturbances = [d for d in (scenario.disturbances if disturbed else ())
                    if d.client == host.client_id]
    cameras = []
    for index, camera in enumerate(config.cameras):
        options = dict(camera.options, seed=host_index * SEEDS_PER_HOST + index)
        if scenario.camera_latencies_ms:
            options['latency_ns'] = round(scenario.camera_latencies_ms[index] * 1e6)
        if model == 'freerun':
            options['drift_ppm'] = drift_ppm(scenario, host_index, index)
        for fault in disturbances:
            if fault.kind == CAMERA_FAULT and fault.channel == camera.channel_id:
                start = origin_ns + round(fault.at_s * 1e9)
                options['fail_between'] = [start, start + round(fault.length_s * 1e9)]
        cameras.append(dataclasses.replace(camera, options=options))
    simulation = config.simulation
    for step in (d for d in disturbances if d.kind == CLOCK_STEP):
        simulation = dataclasses.replace(simulation, clock_step_ms=step.size_ms,
                                         clock_step_at_s=step.at_s)
    return dataclasses.replace(config, cameras=tuple(cameras), simulation=simulation)
