"""The common instant free-running cameras are told to pick their frames nearest to.

A free-running camera's exposures keep their own phase p_i (stamp - T_k, modulo the period
P). If every camera takes the frame nearest to the instant c, camera i contributes
c + wrap(p_i - c) and a set spans the arc its phases cover, cut open at c + P/2. The span is
smallest, P minus the widest gap between neighbouring phases, when the cut lies in that
gap; its middle leaves the most room for drift and jitter on both sides. This is the span
message_filters' ApproximateTime minimises after the fact, chosen here before the frames
are picked.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def span_minimising_phase(phases_ns: Sequence[float], period_ns: int) -> int | None:
    """Return the phase in [0, P) whose nearest frames span least; None without phases."""
    if not len(phases_ns):
        return None
    ordered = np.sort(np.mod(np.asarray(phases_ns, dtype=np.float64), period_ns))
    gaps = np.diff(np.append(ordered, ordered[0] + period_ns))
    widest = int(np.argmax(gaps))
    cut = ordered[widest] + gaps[widest] / 2.0
    return int(round(cut + period_ns / 2.0)) % period_ns
