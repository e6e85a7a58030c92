"""``compound-eyes record``: see compound_eyes.record.cli."""
from compound_eyes.record.cli import add_record_arguments as add_arguments
from compound_eyes.record.cli import run_from_args as run

__all__ = ['add_arguments', 'run']
