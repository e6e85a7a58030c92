"""``compound-eyes export BAG --to FORMAT OUT``: recorded SyncedFrameSets to other formats."""
from __future__ import annotations

import argparse
import sys
from fnmatch import fnmatchcase
from pathlib import Path

from compound_eyes.export.exporters import EXPORTERS
from compound_eyes.export.progress import Progress
from compound_eyes.interfaces.schema import SYNCED_FRAME_SET_TYPE
from compound_eyes.record.bag_reader import BagDamagedError, read_messages, topic_counts


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the export options to parser."""
    parser.add_argument('bag', type=Path, help='rosbag2 bag directory')
    parser.add_argument('--to', required=True, nargs=2, metavar=('FORMAT', 'OUT'),
                        help=f'format ({", ".join(EXPORTERS)}) and output file or directory')
    parser.add_argument('--topics', nargs='+', default=[], metavar='GLOB',
                        help='SyncedFrameSet topics to export (default: every one)')


def export_bag(bag: Path, fmt: str, out: Path, topics: list[str] | None = None) -> int:
    """Export the bag's SyncedFrameSets; return 0, or 1 with a message on stderr."""
    if fmt not in EXPORTERS:
        print(f'export: unknown format {fmt!r}; choose one of {", ".join(EXPORTERS)}',
              file=sys.stderr)
        return 1

    def select(topic: str, msgtype: str) -> bool:
        return msgtype == SYNCED_FRAME_SET_TYPE and (
            not topics or any(fnmatchcase(topic, pattern) for pattern in topics))

    try:
        exporter = EXPORTERS[fmt](out)
    except (OSError, ImportError) as exc:
        print(f'export: {exc}', file=sys.stderr)
        return 1
    total = sum(n for name, (t, n) in topic_counts(bag).items() if select(name, t))
    progress = Progress(f'export {fmt}', total or None)
    error = None
    try:
        for message in read_messages(bag, select):
            exporter.add(message)
            progress.step()
    except (BagDamagedError, FileNotFoundError, ValueError) as exc:
        error = exc
    finally:
        progress.finish()
        summary = exporter.close()
    print(f'export: {summary}', file=sys.stderr)
    if error is not None:
        print(f'export: {error}', file=sys.stderr)
        return 1
    return 0


def run_from_args(args: argparse.Namespace) -> int:
    """Run the export with parsed arguments; return the exit code."""
    fmt, out = args.to
    return export_bag(args.bag, fmt, Path(out), args.topics)
