"""SIGINT and SIGTERM of the verbs that run to completion: export, report, proto, keygen.

Their work runs in `compound_eyes.signals.run_interruptible`: the first signal unwinds it
(files are closed by their `with` and `finally` blocks), later ones cannot cut that short,
and the verb exits INTERRUPTED_EXIT_CODE (130) with one line instead of a traceback. An
output the verb created and did not finish is removed, so an interrupted export or report
never leaves something that looks complete; an output that existed before is left alone.
"""
from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from compound_eyes.signals import StopRequested, run_interruptible


def run_verb(verb: str, work: Callable[[], int], output: Path | None = None) -> int:
    """Run a verb's work until done or stopped; a stop removes the output it started."""
    existed = output is None or output.exists() or output.is_symlink()

    def work_removing_partial_output() -> int:
        try:
            return work()
        except StopRequested:
            if not existed and (output.exists() or output.is_symlink()):
                _remove(output)
                print(f'compound-eyes {verb}: removed the unfinished {output}',
                      file=sys.stderr, flush=True)
            raise

    return run_interruptible(f'compound-eyes {verb}', work_removing_partial_output)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
