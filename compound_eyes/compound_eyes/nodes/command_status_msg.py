"""The client's /diagnostics about phase commands: authenticated or not, and what was refused.

A climbing refusal count while the delay holds is how a server with the wrong rig key (or a
rogue publisher) shows up; the level is WARN while refusals keep coming.
"""
from __future__ import annotations

from builtin_interfaces.msg import Time
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus

from compound_eyes.nodes.sync_status_msg import UNAUTHENTICATED, diagnostic_status
from compound_eyes.phase.command_auth import CommandVerifier

CLIENT_COMMANDS_STATUS = 'compound_eyes: {client_id} commands'


def build_command_diagnostics(client_id: str, verifier: CommandVerifier, refused_before: int,
                              stamp: Time) -> DiagnosticArray:
    """Return the command status; refused_before: the refusal total of the previous report."""
    array = DiagnosticArray()
    array.header.stamp = stamp
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
    array.status.append(diagnostic_status(CLIENT_COMMANDS_STATUS.format(client_id=client_id),
                                          level, message, values))
    return array
