"""Entry point of the ``compound-eyes`` command: one verb per module, each a thin adapter."""
from __future__ import annotations

import argparse
import importlib
import sys

# verb -> (module with add_arguments/run, one-line help). Modules import heavy things in run().
VERBS: dict[str, tuple[str, str]] = {
    'demo': ('compound_eyes.cli.demo', 'server + two synthetic clients: lock, record, report'),
    'client': ('compound_eyes.cli.client', 'run a client node (cameras -> SyncedFrameSet)'),
    'server': ('compound_eyes.cli.server', 'run the phase-delay server node'),
    'record': ('compound_eyes.cli.record', 'record synced topics into a rosbag2 MCAP bag'),
    'export': ('compound_eyes.cli.export', 'export a bag to protobuf, legacy, images or video'),
    'report': ('compound_eyes.cli.report', 'write an HTML sync report of a bag'),
    'bench': ('compound_eyes.cli.bench', 'multi-host ground-truth benchmarks (issue 5 scenarios)'),
    'proto': ('compound_eyes.cli.proto', 'regenerate or check the .proto exported from .msg'),
}


def build_parser() -> argparse.ArgumentParser:
    """Build the parser with every verb's arguments."""
    parser = argparse.ArgumentParser(
        prog='compound-eyes',
        description='Software-synchronized capture from many cameras on many computers.')
    verbs = parser.add_subparsers(dest='verb', metavar='VERB', required=True)
    for verb, (module_name, help_text) in VERBS.items():
        module = importlib.import_module(module_name)
        sub = verbs.add_parser(verb, help=help_text, description=help_text)
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse argv and run the verb; usage errors exit 2 with the usage text."""
    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    return int(args.run(args) or 0)


if __name__ == '__main__':
    sys.exit(main())
