"""The client's /diagnostics entry about phase commands: authenticated or not, what was refused.

A climbing refusal count while the delay holds is how a server with the wrong rig key (or a
rogue publisher) shows up; the level is WARN while refusals keep coming.
"""
from __future__ import annotations

from diagnostic_msgs.msg import DiagnosticStatus

from compound_eyes.nodes.diagnostic_status import diagnostic_status, status_name
from compound_eyes.nodes.sync_status_msg import HARDWARE_ID, UNAUTHENTICATED
from compound_eyes.phase.command_auth import CommandVerifier


def commands_task(client_id: str) -> str:
    """Return the task of the client's command status."""
    return f'commands {client_id}'


def command_status(node_name: str, client_id: str, verifier: CommandVerifier,
                   refused_before: int) -> DiagnosticStatus:
    """Return the command status; refused_before: the refusal total of the previous report."""
    refused = sum(verifier.refused.values())
    if not verifier.authenticated:
        level, message = DiagnosticStatus.OK, UNAUTHENTICATED
    elif refused > refused_before:
        level = DiagnosticStatus.WARN
        message = (f'refusing commands: {refused - refused_before} since the last report '
                   f'(bad signature: a server with another rig key?)')
    else:
        level, message = DiagnosticStatus.OK, f'commands signed: {verifier.verified} verified'
    values = {'authenticated': str(verifier.authenticated).lower(),
              'keys': len(verifier.keys), 'commands_verified': verifier.verified,
              **{f'refused: {verdict.value}': count
                 for verdict, count in verifier.refused.items()}}
    return diagnostic_status(status_name(node_name, commands_task(client_id)), level, message,
                             HARDWARE_ID, values)
