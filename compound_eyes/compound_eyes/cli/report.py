"""``compound-eyes report``: see compound_eyes.report.cli."""
from compound_eyes.report.cli import add_report_arguments as add_arguments
from compound_eyes.report.cli import run_from_args as run

HELP = 'write an HTML sync report of a bag'

__all__ = ['add_arguments', 'run']
