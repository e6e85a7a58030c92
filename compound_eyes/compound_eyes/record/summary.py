"""What a finished recording reports: one line per set stream on stderr, JSON on stdout.

The JSON line is the last line of stdout, so scripts and tests read the outcome from it.
"""
from __future__ import annotations

import json
import sys


def print_summary(summary: dict) -> None:
    """Print the per-stream lines (received, expected, gaps) and then the JSON summary."""
    for row in summary['sets']:
        gaps = ', '.join(f'{a}..{b}' for a, b in row['gaps']) or 'none'
        print(f"record: {row['topic']} {row['client_id']}: {row['received']} sets of "
              f"{row['expected']} expected, {row['missed']} missed (gaps: {gaps})",
              file=sys.stderr)
    print(json.dumps(summary), flush=True)
