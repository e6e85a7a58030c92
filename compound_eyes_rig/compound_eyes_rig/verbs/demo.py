"""``compound-eyes demo``: the whole system on built-in synthetic cameras."""
from __future__ import annotations

import argparse
from pathlib import Path

HELP = 'server + two synthetic clients: lock, record, report'

def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the demo's options."""
    parser.add_argument('--duration', type=float, metavar='S',
                        help='stop after S seconds (default: run until Ctrl-C)')
    parser.add_argument('--out', type=Path, metavar='DIR',
                        help='output folder (default: recordings/<timestamp>)')
    parser.add_argument('--no-record', action='store_true', help='do not record a bag')
    from compound_eyes.config.client import IMAGE_FORMATS
    from compound_eyes_rig.demo.configs import DEMO_SETTINGS

    parser.add_argument('--fps', type=float, default=DEMO_SETTINGS.fps)
    parser.add_argument('--width', type=int, default=DEMO_SETTINGS.width)
    parser.add_argument('--height', type=int, default=DEMO_SETTINGS.height)
    parser.add_argument('--format', choices=IMAGE_FORMATS, default=DEMO_SETTINGS.image_format,
                        dest='image_format')


def run(args: argparse.Namespace) -> int:
    """Run the demo rig."""
    import dataclasses

    from compound_eyes_rig.demo.configs import DEMO_SETTINGS
    from compound_eyes_rig.demo.rig import DemoOptions, default_out_dir, run_demo

    if args.duration is not None and args.duration <= 0:
        raise SystemExit('compound-eyes demo: --duration must be > 0')
    settings = dataclasses.replace(DEMO_SETTINGS, fps=args.fps, width=args.width,
                                   height=args.height, image_format=args.image_format)
    out = args.out or default_out_dir(Path.cwd())
    if out.exists():
        print(f'compound-eyes demo: output folder {out} exists; choose another --out')
        return 2
    return run_demo(DemoOptions(out, args.duration, not args.no_record, settings))
