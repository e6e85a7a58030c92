"""``compound-eyes report BAG --out DIR``: sync-quality HTML, PNGs and summary.json."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from compound_eyes.export.frames import camera_frames
from compound_eyes.export.progress import Progress
from compound_eyes.interfaces.images import frame_image
from compound_eyes.interfaces.schema import (
    CLOCK_STATUS_TYPE,
    FRAME_SET_TIMING_TYPE,
    SYNC_STATUS_TYPE,
    SYNCED_FRAME_SET_TYPE,
)
from compound_eyes.record.bag_reader import BagDamagedError, read_messages, topic_counts
from compound_eyes.report import html, plots
from compound_eyes.report.bag_stats import BagStats
from compound_eyes.report.summary import build_summary

_TYPES = {SYNCED_FRAME_SET_TYPE, FRAME_SET_TIMING_TYPE, SYNC_STATUS_TYPE, CLOCK_STATUS_TYPE}


def add_report_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the report options to parser."""
    parser.add_argument('bag', type=Path, help='rosbag2 bag directory')
    parser.add_argument('--out', required=True, type=Path, metavar='DIR',
                        help='folder to create for index.html, PNGs and summary.json')


def _contact_images(bag: Path, tick: int) -> dict:
    """Read the frames of one tick again (the first pass keeps no pixels)."""
    images = {}
    for message in read_messages(bag, lambda t, m: m == SYNCED_FRAME_SET_TYPE):
        if message.msg.tick == tick:
            images.update((name, frame_image(frame)) for name, frame in camera_frames(message))
    return {name: image for name, image in images.items() if image is not None}


def make_report(bag: Path, out: Path) -> int:
    """Write the report; return 0, or 1 when the bag is damaged (report of what was read)."""
    if out.exists():
        print(f'report: output {out} exists already; not overwriting it', file=sys.stderr)
        return 1
    stats = BagStats()
    total = sum(n for t, n in topic_counts(bag).values() if t in _TYPES)
    progress = Progress('report', total or None)
    error = None
    try:
        for message in read_messages(bag, lambda t, m: m in _TYPES):
            stats.add(message)
            progress.step()
    except (BagDamagedError, FileNotFoundError) as exc:
        error = exc
    finally:
        progress.finish()
    if not stats.sets:
        print(f'report: no SyncedFrameSet or FrameSetTiming in {bag}'
              + (f'; {error}' if error else ''), file=sys.stderr)
        return 1
    out.mkdir(parents=True)
    summary = build_summary(bag, stats)
    figures = {'residuals': plots.residuals(stats, out),
               'spread': plots.spread_histogram(stats, out),
               'drops': plots.drops(stats, out),
               'lock_state': plots.lock_states(stats, out),
               'ntp_offset': plots.ntp_offsets(stats, out)}
    if summary['contact_sheet_tick'] is not None:
        try:
            images = _contact_images(bag, summary['contact_sheet_tick'])
        except BagDamagedError as exc:
            images, error = {}, error or exc
        if images:
            figures['contact_sheet'] = plots.contact_sheet(images, out)
    (out / 'summary.json').write_text(json.dumps(summary, indent=2))
    (out / 'index.html').write_text(html.render(summary, figures))
    print(f'report: {out / "index.html"}', file=sys.stderr)
    if error is not None:
        print(f'report: {error}', file=sys.stderr)
        return 1
    return 0


def run_from_args(args: argparse.Namespace) -> int:
    """Run the report with parsed arguments; return the exit code."""
    return make_report(args.bag, args.out)
