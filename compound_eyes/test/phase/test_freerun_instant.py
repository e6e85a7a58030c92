"""The instant free-running cameras pick their frames nearest to: the span it leaves."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from compound_eyes.phase.freerun_instant import span_minimising_phase

P = 33_333_333


def _span(phases: list[float], instant: int) -> float:
    """Span of the set made of each camera's frame nearest to the instant."""
    picked = [instant + ((p - instant + P / 2) % P) - P / 2 for p in phases]
    return max(picked) - min(picked)


@pytest.mark.parametrize('seed', range(20))
def test_no_instant_gives_a_smaller_span(seed):
    phases = list(np.random.default_rng(seed).uniform(0, P, 6))
    chosen = span_minimising_phase(phases, P)
    assert 0 <= chosen < P
    best = min(_span(phases, c) for c in range(0, P, 100_000))
    assert _span(phases, chosen) <= best + 1
    widest_gap = max((b - a) % P or P for a, b in itertools.pairwise(sorted(phases) +
                                                                    [sorted(phases)[0]]))
    assert _span(phases, chosen) == pytest.approx(P - widest_gap, abs=2)


def test_phases_straddling_the_wrap_are_one_tight_group():
    phases = [P - 1_000_000, P - 200_000, 500_000, 1_500_000]
    chosen = span_minimising_phase(phases, P)
    assert _span(phases, chosen) == pytest.approx(2_500_000, abs=2)
    assert span_minimising_phase([], P) is None
