"""The report's figures, drawn with matplotlib's Agg backend into PNG files."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use('Agg')
import cv2  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from compound_eyes.report.bag_stats import LOCK_STATES, BagStats  # noqa: E402

MS = 1e6


def _save(fig: plt.Figure, path: Path) -> str:
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path.name


def residuals(stats: BagStats, out: Path) -> str:
    """Plot each client's residual over time (SyncStatus, else computed from stamps)."""
    fig, ax = plt.subplots(figsize=(8, 3.5))
    if stats.status_residuals:
        series, xlabel = stats.status_residuals, 'time since first status [s]'
        t0 = min(t for s in series.values() for t, _ in s)
        scale = 1e9
    else:
        series, xlabel = stats.computed_residuals(), 'tick since first'
        t0 = min((t for s in series.values() for t, _ in s), default=0)
        scale = 1
    for client, points in sorted(series.items()):
        ax.plot([(t - t0) / scale for t, _ in points], [r / MS for _, r in points],
                '.-', label=client)
    ax.set(xlabel=xlabel, ylabel='residual [ms]', title='Per-client residual')
    ax.legend(loc='best', fontsize='small')
    return _save(fig, out / 'residuals.png')


def spread_histogram(stats: BagStats, out: Path) -> str:
    """Histogram of the cross-client spread (max - min capture stamp) per tick."""
    fig, ax = plt.subplots(figsize=(8, 3.5))
    values = np.asarray(list(stats.spreads().values()), float) / MS
    if values.size:
        ax.hist(values, bins=min(50, max(5, values.size // 4)))
    ax.set(xlabel='spread per tick [ms]', ylabel='ticks', title='Cross-client spread')
    return _save(fig, out / 'spread.png')


def drops(stats: BagStats, out: Path) -> str:
    """Bar chart of dropped frames and reconnects per camera."""
    names = stats.cameras()
    fig, ax = plt.subplots(figsize=(8, 3.5))
    x = np.arange(len(names))
    ax.bar(x - 0.2, [stats.dropped[n] for n in names], 0.4, label='dropped frames')
    ax.bar(x + 0.2, [stats.reconnects[n] for n in names], 0.4, label='reconnects')
    ax.set_xticks(x, names, rotation=30, ha='right', fontsize='small')
    ax.set(title='Drops and reconnects per camera')
    ax.legend(loc='best', fontsize='small')
    return _save(fig, out / 'drops.png')


def lock_states(stats: BagStats, out: Path) -> str | None:
    """Step plot of each client's lock state from SyncStatus, None when not recorded."""
    if not stats.lock_states:
        return None
    fig, ax = plt.subplots(figsize=(8, 2.5))
    t0 = min(t for s in stats.lock_states.values() for t, _ in s)
    for client, points in sorted(stats.lock_states.items()):
        ax.step([(t - t0) / 1e9 for t, _ in points], [s for _, s in points], where='post',
                label=client)
    ax.set_yticks(list(LOCK_STATES), list(LOCK_STATES.values()))
    ax.set(xlabel='time [s]', title='Lock state')
    ax.legend(loc='best', fontsize='small')
    return _save(fig, out / 'lock_state.png')


def ntp_offsets(stats: BagStats, out: Path) -> str | None:
    """Measured and applied NTP offsets per host from ClockStatus, None when not recorded."""
    if not stats.ntp:
        return None
    fig, ax = plt.subplots(figsize=(8, 3.5))
    t0 = min(t for s in stats.ntp.values() for t, _, _ in s)
    for client, points in sorted(stats.ntp.items()):
        times = [(t - t0) / 1e9 for t, _, _ in points]
        line = ax.plot(times, [m / MS for _, m, _ in points], '.', label=f'{client} measured')
        ax.plot(times, [a / MS for _, _, a in points], '-', color=line[0].get_color(),
                label=f'{client} applied')
    ax.set(xlabel='time [s]', ylabel='offset [ms]', title='NTP offset')
    ax.legend(loc='best', fontsize='x-small')
    return _save(fig, out / 'ntp_offset.png')


def contact_sheet(images: dict[str, np.ndarray], out: Path, height: int = 240) -> str:
    """All cameras of one tick side by side, labelled, scaled to a common height."""
    tiles = []
    for name, image in sorted(images.items()):
        bgr = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR) if image.ndim == 2 else image
        width = max(1, round(bgr.shape[1] * height / bgr.shape[0]))
        tile = cv2.resize(bgr, (width, height))
        label = np.zeros((28, width, 3), np.uint8)
        cv2.putText(label, name, (4, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (255, 255, 255), 1,
                    cv2.LINE_AA)
        tiles.append(np.vstack([label, tile]))
        tiles.append(np.zeros((height + 28, 4, 3), np.uint8))
    sheet = np.hstack(tiles[:-1])
    path = out / 'contact_sheet.png'
    if not cv2.imwrite(str(path), sheet):
        raise OSError(f'could not write {path}')
    return path.name
