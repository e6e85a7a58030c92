"""Only compound_eyes.signals installs signal handlers, in the product and in the rig alike.

Every entry point holds SIGINT and SIGTERM through it, and rclpy is initialized without its
own handlers in one place (nodes/lifecycle.py init_ros), so no module can bring back a
second way of stopping a process.
"""
from __future__ import annotations

from pathlib import Path

import compound_eyes
import compound_eyes_rig

PRODUCT = Path(compound_eyes.__file__).resolve().parent
RIG = Path(compound_eyes_rig.__file__).resolve().parent
OWNERS = {'signal.signal(': PRODUCT / 'signals.py',
          'rclpy.init(': PRODUCT / 'nodes' / 'lifecycle.py'}


def test_signal_handlers_are_installed_only_by_their_owners() -> None:
    offenders = [f'{path}: {call}'
                 for package in (PRODUCT, RIG) for path in sorted(package.rglob('*.py'))
                 for call, owner in OWNERS.items()
                 if call in path.read_text() and path.resolve() != owner]
    assert offenders == []
