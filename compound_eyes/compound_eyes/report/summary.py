"""The report's numbers as one JSON-ready dict, shared by summary.json and index.html."""
from __future__ import annotations

from pathlib import Path

from compound_eyes.report.bag_stats import LOCK_STATES, BagStats, describe


def build_summary(bag: Path, stats: BagStats) -> dict:
    """Return every number the report shows (ns unless named otherwise)."""
    residual_source = 'sync_status' if stats.status_residuals else 'computed_from_stamps'
    residuals = (stats.status_residuals if stats.status_residuals
                 else stats.computed_residuals())
    if not stats.decoder_available:
        true_note = 'timecode decoder not available'
    elif not stats.true_errors:
        true_note = 'no frame carried a decodable synthetic timecode'
    else:
        true_note = ''
    # A client that stopped (crashed) before the others missed every tick up to their last.
    last_tick = max((max(ticks) for ticks in stats.sets.values()), default=0)
    return {
        'bag': str(bag),
        'clients': {client: {'sets': len(ticks), 'first_tick': min(ticks),
                             'last_tick': max(ticks),
                             'missed_ticks': last_tick - min(ticks) + 1 - len(ticks),
                             'frames_missing': stats.missing.get(client, 0)}
                    for client, ticks in sorted(stats.sets.items())},
        'cameras': {name: {'dropped_frames': stats.dropped[name],
                           'reconnects': stats.reconnects[name]}
                    for name in stats.cameras()},
        'cross_client_spread_ns': describe(list(stats.spreads().values())),
        'residual_source': residual_source,
        'residual_ns': {client: describe([r for _, r in series])
                        for client, series in sorted(residuals.items())},
        'lock_state': {client: LOCK_STATES.get(series[-1][1], str(series[-1][1]))
                       for client, series in sorted(stats.lock_states.items())},
        'ntp_measured_offset_ns': {client: describe([m for _, m, _ in series])
                                   for client, series in sorted(stats.ntp.items())},
        'true_error_ns': {name: describe(errors)
                          for name, errors in sorted(stats.true_errors.items())},
        'true_error_note': true_note,
        'undecodable_frames': stats.undecodable,
        'contact_sheet_tick': stats.complete_tick(),
    }
