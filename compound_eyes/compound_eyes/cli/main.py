"""Entry point of the ``compound-eyes`` command."""
import sys


def main(argv: list[str] | None = None) -> int:
    """Run the CLI (placeholder)."""
    print('compound-eyes', argv or sys.argv[1:])
    return 0
