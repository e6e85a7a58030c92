"""Arguments of ``compound-eyes record`` / ``ros2 run compound_eyes recorder``.

Kept free of rclpy so building the CLI parser stays fast; the node shell that runs a
recording imports this module, never the other way round.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from compound_eyes.record.settings import BAG_VERSIONS, RELIABILITY_CHOICES, RecorderSettings


def add_record_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the recorder's options to parser."""
    parser.add_argument('output', nargs='?', type=Path,
                        help='bag directory to create (must not exist)')
    parser.add_argument('--output', '-o', dest='output_opt', type=Path, metavar='DIR',
                        help='same as the positional output')
    parser.add_argument('--topics', nargs='+', default=[], metavar='GLOB',
                        help='record topics matching these globs instead of every '
                             'SyncedFrameSet and FrameSetTiming topic')
    parser.add_argument('--status', action='store_true',
                        help='also record ClockStatus, SyncStatus and PhaseDelay topics')
    parser.add_argument('--diagnostics', action='store_true', help='also record /diagnostics')
    parser.add_argument('--cameras', action='store_true',
                        help="also record the clients' per-camera topics (every Image, "
                             'CompressedImage and CameraInfo topic)')
    parser.add_argument('--max-bag-size', type=int, default=0, metavar='BYTES',
                        help='start a new file after this many bytes (0: no limit)')
    parser.add_argument('--max-bag-duration', type=float, default=0, metavar='S',
                        help='start a new file after this many seconds (0: no limit)')
    parser.add_argument('--duration', type=float, default=0, metavar='S',
                        help='stop after this many seconds (0: until SIGINT/SIGTERM)')
    parser.add_argument('--reliability', choices=RELIABILITY_CHOICES,
                        default=RELIABILITY_CHOICES[0],
                        help='QoS reliability of the subscriptions; best_available matches '
                             'what the publishers offer, so best-effort ones are recorded too')
    parser.add_argument('--depth', type=int, default=50, help='QoS history depth')
    parser.add_argument('--bag-version', type=int, choices=BAG_VERSIONS,
                        default=BAG_VERSIONS[0],
                        help='rosbag2 metadata version: 9 is read by ros2 bag from Jazzy on, '
                             '8 also by Humble and Iron')
    parser.add_argument('--discovery-period', type=float, default=0.5, metavar='S',
                        help='how often to look for new topics')


def output_path(args: argparse.Namespace) -> Path:
    """Return the one output path given positionally or by --output."""
    if args.output and args.output_opt and args.output != args.output_opt:
        raise SystemExit(f'record: two different outputs given: {args.output}, '
                         f'{args.output_opt}')
    path = args.output or args.output_opt
    if path is None:
        raise SystemExit('record: an output bag directory is required (--output DIR)')
    return path


def recorder_settings(args: argparse.Namespace) -> RecorderSettings:
    """Turn parsed arguments into the recorder's settings."""
    from compound_eyes.record.topic_selection import TopicSelection

    return RecorderSettings(
        output=output_path(args),
        selection=TopicSelection(tuple(args.topics), args.status, args.diagnostics,
                                 args.cameras),
        max_bag_size=args.max_bag_size, max_bag_duration_s=args.max_bag_duration,
        duration_s=args.duration, reliability=args.reliability, depth=args.depth,
        discovery_period_s=args.discovery_period, bag_version=args.bag_version)
