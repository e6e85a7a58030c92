"""``compound-eyes export``: see compound_eyes.export.cli."""
from compound_eyes.export.cli import add_export_arguments as add_arguments
from compound_eyes.export.cli import run_from_args as run

HELP = 'export a bag to protobuf, legacy, images or video'

__all__ = ['add_arguments', 'run']
