"""Build SyncStatus and /diagnostics messages from the server's snapshot."""
from __future__ import annotations

from builtin_interfaces.msg import Time
from compound_eyes_msgs.msg import ClientSyncStatus, SyncStatus
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue

from compound_eyes.interfaces.schema import LockState
from compound_eyes.interfaces.stamps import time_from_ns
from compound_eyes.nodes.server_loop import ServerLoop
from compound_eyes.phase.estimator import ClientState

SERVER_CLOCK_STATUS = 'compound_eyes: server clock'
SERVER_INPUT_STATUS = 'compound_eyes: server input'
SERVER_COMMANDS_STATUS = 'compound_eyes: server commands'
UNAUTHENTICATED = 'commands unauthenticated (no command_key_file)'
CLIENT_STATUS_PREFIX = 'compound_eyes: client '
_LEVEL = {LockState.LOCKED: DiagnosticStatus.OK, LockState.ACQUIRING: DiagnosticStatus.WARN,
          LockState.LOST: DiagnosticStatus.ERROR}


def build_sync_status(clients: list[ClientState], loop: ServerLoop, stamp: Time) -> SyncStatus:
    """Return the SyncStatus of every known client."""
    msg = SyncStatus()
    msg.header.stamp = stamp
    msg.reference = loop.config.reference
    msg.tick_period_ns = loop.period_ns
    for state in clients:
        entry = ClientSyncStatus()
        entry.client_id = state.client_id
        entry.lock_state = int(state.lock_state)
        entry.residual_ns = state.residual_ns
        entry.intra_client_spread_ns = state.intra_client_spread_ns
        entry.delay_ns = int(state.delay_ns)
        entry.last_seen = time_from_ns(state.last_seen_ns)
        entry.sets_received = state.sets_received
        entry.sets_missed = state.sets_missed
        entry.frames_missing = state.frames_missing
        msg.clients.append(entry)
    return msg


def build_diagnostics(clients: list[ClientState], clock, stamp: Time,
                      loop: ServerLoop) -> DiagnosticArray:
    """Return /diagnostics: the server's clock, timing input, commands, one status per client."""
    array = DiagnosticArray()
    array.header.stamp = stamp
    array.status.append(diagnostic_status(
        SERVER_CLOCK_STATUS,
        DiagnosticStatus.WARN if clock.degraded else DiagnosticStatus.OK,
        clock.message or 'ok',
        {'server': clock.server or '', 'offset_ns': clock.applied_offset_ns,
         'delay_ns': clock.delay_ns, 'stratum': clock.stratum, 'age_s': f'{clock.age_s:.1f}'}))
    rejected = sum(loop.rejected.values())
    array.status.append(diagnostic_status(
        SERVER_INPUT_STATUS, DiagnosticStatus.OK,
        f'{loop.accepted} timing sets accepted, {rejected} rejected',
        {'sets_accepted': loop.accepted, 'sets_rejected': rejected,
         **{f'rejected: {reason}': count for reason, count in sorted(loop.rejected.items())}}))
    signing = bool(loop.config.command_key)
    array.status.append(diagnostic_status(
        SERVER_COMMANDS_STATUS, DiagnosticStatus.OK,
        'commands signed with the rig key' if signing else UNAUTHENTICATED,
        {'signed': str(signing).lower()}))
    for state in clients:
        array.status.append(diagnostic_status(
            CLIENT_STATUS_PREFIX + state.client_id, _LEVEL[state.lock_state],
            state.lock_state.name.lower() + ('' if state.controllable
                                             else ' (free-running: phase not controllable)'),
            {'residual_ns': state.residual_ns, 'delay_ns': state.delay_ns,
             'intra_client_spread_ns': state.intra_client_spread_ns,
             'sets_received': state.sets_received, 'sets_missed': state.sets_missed,
             'frames_missing': state.frames_missing}))
    return array


def diagnostic_status(name: str, level: bytes, message: str, values: dict) -> DiagnosticStatus:
    """Build one compound_eyes DiagnosticStatus; values become text."""
    status = DiagnosticStatus(name=name, level=level, message=message,
                              hardware_id='compound_eyes')
    status.values = [KeyValue(key=key, value=str(value)) for key, value in values.items()]
    return status
