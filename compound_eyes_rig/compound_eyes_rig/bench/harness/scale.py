"""Scenario 7 (scale-timing) lives in compound_eyes_rig.bench.scale_timing; this only delegates."""
from __future__ import annotations

import importlib

from compound_eyes_rig.bench.stats import BenchResult

MODULE = 'compound_eyes_rig.bench.scale_timing'


def run_scale_timing(duration_s: float | None) -> BenchResult:
    """Call the module's run(duration_s) if it exists; otherwise report it as not available."""
    try:
        module = importlib.import_module(MODULE)
    except ModuleNotFoundError as error:
        if error.name != MODULE:
            raise
        module = None
    runner = getattr(module, 'run', None)
    if runner is None:
        return BenchResult(scenario='scale-timing', clients=64, cameras_per_client=8, fps=30.0,
                           duration_s=duration_s or 0.0, namespaces=False,
                           processes_sharing_cores=0, details={'available': False},
                           notes=[f'not available: {MODULE} has no run(duration_s)'])
    return runner(duration_s) if duration_s is not None else runner()
