"""Loading Aravis through PyGObject only when a GenICam camera is used.

Hosts without Aravis keep every other backend: nothing else imports gi, and a `genicam:`
camera fails with one message that names what to install.
"""
from __future__ import annotations

from types import ModuleType

ARAVIS_VERSION = '0.8'
INSTALL_HINT = ('install the apt package gir1.2-aravis-0.8 and, in the Python environment, '
                'PyGObject==3.50.2 (built against libgirepository1.0-dev, libcairo2-dev and '
                'pkg-config); tools/with-env installs all of them when run as root')


class AravisUnavailable(RuntimeError):  # noqa: N818 - reads as the condition it reports
    """PyGObject or the Aravis typelib is missing on this host."""


def load_aravis() -> ModuleType:
    """Return the Aravis module; raise AravisUnavailable saying what to install."""
    try:
        import gi
    except ImportError as error:
        raise AravisUnavailable(f'GenICam cameras need PyGObject, which is not installed '
                                f'({error}): {INSTALL_HINT}') from None
    try:
        gi.require_version('Aravis', ARAVIS_VERSION)
        from gi.repository import Aravis
    except (ImportError, ValueError) as error:
        raise AravisUnavailable(f'GenICam cameras need Aravis {ARAVIS_VERSION}, which is not '
                                f'installed ({error}): {INSTALL_HINT}') from None
    return Aravis


def glib_error() -> type[Exception]:
    """Return GLib.Error, the exception every failing Aravis call raises."""
    from gi.repository import GLib
    return GLib.Error
