"""The client's /diagnostics entry about phase commands: authenticated or not, what was refused.

Every PhaseDelay the client could not use is counted under its reason: bytes that are no
PhaseDelay, and each OfferVerdict other than accepted (unsigned, bad signature, another
client's, expired, replayed, out of range...). A climbing count while the delay holds is how
a server with the wrong rig key, a rogue publisher or a flood of garbage shows up; the level
is WARN while refusals keep coming.
"""
from __future__ import annotations

from collections.abc import Mapping

from diagnostic_msgs.msg import DiagnosticStatus

from compound_eyes.nodes.diagnostic_status import counts_by_reason, diagnostic_status, status_name
from compound_eyes.nodes.sync_status_msg import HARDWARE_ID, UNAUTHENTICATED
from compound_eyes.phase.command_auth import CommandVerifier
from compound_eyes.phase.command_filter import OfferVerdict

MALFORMED_COMMAND = 'not a PhaseDelay in CDR'


def no_refusals() -> dict[str, int]:
    """Return a zero count for every reason, so each status carries the same values."""
    return dict.fromkeys([MALFORMED_COMMAND, *(v.value for v in OfferVerdict if not v)], 0)


def commands_task(client_id: str) -> str:
    """Return the task of the client's command status."""
    return f'commands {client_id}'


def command_status(node_name: str, client_id: str, verifier: CommandVerifier,
                   refused: Mapping[str, int], refused_before: int) -> DiagnosticStatus:
    """Return the command status.

    refused: every refused command so far by reason; refused_before: their total at the
    previous report.
    """
    total = sum(refused.values())
    if total > refused_before:
        level = DiagnosticStatus.WARN
        message = f'refusing commands: {total - refused_before} since the last report'
        if refused.get(OfferVerdict.BAD_SIGNATURE.value):
            message += ' (bad signature: a server with another rig key?)'
        if not verifier.authenticated:
            message += f'; {UNAUTHENTICATED}'
    elif not verifier.authenticated:
        level, message = DiagnosticStatus.OK, UNAUTHENTICATED
    else:
        level, message = DiagnosticStatus.OK, f'commands signed: {verifier.verified} verified'
    values = {'authenticated': str(verifier.authenticated).lower(),
              'keys': len(verifier.keys), 'commands_verified': verifier.verified,
              'commands_refused': total, **counts_by_reason('refused', refused)}
    return diagnostic_status(status_name(node_name, commands_task(client_id)), level, message,
                             HARDWARE_ID, values)
