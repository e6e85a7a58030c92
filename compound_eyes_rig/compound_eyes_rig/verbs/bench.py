"""``compound-eyes bench``: multi-host ground-truth benchmarks ."""
from __future__ import annotations

import argparse
import time
from pathlib import Path

HELP = 'multi-host ground-truth benchmarks'
DEFAULT_OUT_DIR = Path('bench-results')


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the benchmark's options."""
    from compound_eyes_rig.bench.harness.scenarios import NAMES

    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument('--scenario', choices=NAMES, help='run one scenario')
    which.add_argument('--all', action='store_true',
                       help='run the standard set, writing NAME.json and NAME.png to --out-dir')
    parser.add_argument('--json', type=Path, metavar='OUT.json', help='result document')
    parser.add_argument('--plot', type=Path, metavar='OUT.png', help='error plot')
    parser.add_argument('--duration', type=float, metavar='S',
                        help='run for S seconds, disturbances scaled alike (default: 60)')
    parser.add_argument('--out-dir', type=Path, default=DEFAULT_OUT_DIR,
                        help=f'folder of --all results (default: {DEFAULT_OUT_DIR})')
    parser.add_argument('--no-namespaces', action='store_true',
                        help='run every host on loopback in this namespace (labelled)')
    parser.add_argument('--skip', default='', metavar='PHASES',
                        help='comma-separated optional phases to leave out: floor,baseline')
    parser.add_argument('--keep', type=Path, metavar='DIR',
                        help='keep logs, parameter files and collector rows in DIR')


def run(args: argparse.Namespace) -> int:
    """Run the chosen scenarios; Ctrl-C and SIGTERM tear everything down and exit 130."""
    from compound_eyes.signals import run_interruptible
    from compound_eyes_rig.bench.harness.run import PHASES, RunOptions, save
    from compound_eyes_rig.bench.harness.suite import STANDARD, run_named, summary_lines

    skip = frozenset(part for part in args.skip.split(',') if part)
    if not skip <= set(PHASES):
        raise SystemExit(f'compound-eyes bench: --skip takes {",".join(PHASES)}, got {args.skip!r}')
    if args.duration is not None and not args.duration > 0:
        raise SystemExit('compound-eyes bench: --duration must be > 0')
    if args.all and (args.json or args.plot):
        raise SystemExit('compound-eyes bench: --all writes into --out-dir; drop --json/--plot')
    options = RunOptions(not args.no_namespaces, skip, args.keep)
    names = STANDARD if args.all else (args.scenario,)
    started = time.monotonic()

    def say(line: str) -> None:
        print(f'{time.monotonic() - started:7.1f}s {line}', flush=True)

    def run_all() -> list[str]:
        failed = []
        for name in names:
            try:
                result, measured = run_named(name, args.duration, options, say)
            except Exception as error:  # report it, run the rest of the set
                say(f'[{name}] FAILED: {error}')
                failed.append(name)
                continue
            json_path, plot_path = ((args.out_dir / f'{name}.json',
                                     args.out_dir / f'{name}.png') if args.all
                                    else (args.json, args.plot))
            save(result, measured, json_path, plot_path)
            print('\n'.join(summary_lines(result.to_dict())), flush=True)
        return failed

    failed = run_interruptible('compound-eyes bench', run_all)
    if failed:
        print(f'compound-eyes bench: failed: {", ".join(failed)}')
    return 1 if failed else 0
