"""The recorder's /diagnostics: what it wrote and what it rejected, named "<node>: recording".

A monitor sees hostile or broken publishers on recorded topics while the recording runs, not
only in the summary printed at its end.
"""
from __future__ import annotations

from builtin_interfaces.msg import Time
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus

from compound_eyes.nodes.diagnostic_status import counts_by_reason, diagnostic_status, status_name
from compound_eyes.nodes.sync_status_msg import HARDWARE_ID
from compound_eyes.record.session import RecordingSession

RECORDING_TASK = 'recording'
PERIOD_S = 1.0


def recorder_diagnostics(node_name: str, session: RecordingSession,
                         stamp: Time) -> DiagnosticArray:
    """Return the recording status: messages written, rejected, and rejected per reason."""
    written = sum(session.writer.counts().values())
    rejected = session.rejected
    array = DiagnosticArray()
    array.header.stamp = stamp
    array.status.append(diagnostic_status(
        status_name(node_name, RECORDING_TASK), DiagnosticStatus.OK,
        f'{written} messages written, {rejected.total} rejected', HARDWARE_ID,
        {'messages_written': written, 'messages_rejected': rejected.total,
         **counts_by_reason('rejected', rejected.by_reason)}))
    return array
