"""One /diagnostics entry, named the way ROS diagnostics tools group them.

Every status is named "<node name>: <task>", as diagnostic_updater does, so monitors and
aggregators sort the server's and each client's entries by the node that sent them.
"""
from __future__ import annotations

from collections.abc import Mapping

from diagnostic_msgs.msg import DiagnosticStatus, KeyValue


def status_name(node_name: str, task: str) -> str:
    """Return the DiagnosticStatus name of one task of a node."""
    return f'{node_name}: {task}'


def counts_by_reason(label: str, counts: Mapping[str, int]) -> dict[str, int]:
    """Return one value per reason, keyed "<label>: <reason>", sorted so reports compare.

    How every node reports what it refused or rejected: a fixed text per reason keeps the
    table small however much hostile traffic arrives.
    """
    return {f'{label}: {reason}': count for reason, count in sorted(counts.items())}


def diagnostic_status(name: str, level: bytes, message: str, hardware_id: str,
                      values: Mapping[str, object]) -> DiagnosticStatus:
    """Return a DiagnosticStatus with every value as text, in the given order."""
    status = DiagnosticStatus(name=name, level=level, message=message, hardware_id=hardware_id)
    status.values = [KeyValue(key=key, value=str(value)) for key, value in values.items()]
    return status
