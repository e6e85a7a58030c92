"""Build SyncStatus and /diagnostics messages from the server's snapshot."""
from __future__ import annotations

from builtin_interfaces.msg import Time
from compound_eyes_msgs.msg import ClientSyncStatus, SyncStatus
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus

from compound_eyes.interfaces.schema import LockState
from compound_eyes.interfaces.stamps import time_from_ns
from compound_eyes.nodes.diagnostic_status import counts_by_reason, diagnostic_status, status_name
from compound_eyes.nodes.server_loop import ServerLoop
from compound_eyes.phase.estimator import ClientState

# Tasks of the server's statuses; each is named status_name(<server node name>, task).
CLOCK_TASK = 'clock'
INPUT_TASK = 'timing input'
COMMANDS_TASK = 'commands'
UNAUTHENTICATED = 'commands unauthenticated (no command_key_file)'
HARDWARE_ID = 'compound_eyes'
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
        entry.controllable = state.controllable
        entry.uncontrollable_channel_ids = _uncontrollable(loop, state.client_id)
        msg.clients.append(entry)
    return msg


def client_task(client_id: str) -> str:
    """Return the task of the server's status about one client."""
    return f'client {client_id}'


def build_diagnostics(node_name: str, clients: list[ClientState], clock, stamp: Time,
                      loop: ServerLoop) -> DiagnosticArray:
    """Return /diagnostics: the server's clock, its timing input, and one status per client.

    node_name is the server node's name, which starts every status name.
    """
    array = DiagnosticArray()
    array.header.stamp = stamp
    array.status.append(_status(
        status_name(node_name, CLOCK_TASK),
        DiagnosticStatus.WARN if clock.degraded else DiagnosticStatus.OK,
        clock.message or 'ok',
        {'server': clock.server or '', 'offset_ns': clock.applied_offset_ns,
         'delay_ns': clock.delay_ns, 'stratum': clock.stratum, 'age_s': f'{clock.age_s:.1f}'}))
    rejected = sum(loop.rejected.values())
    array.status.append(_status(
        status_name(node_name, INPUT_TASK), DiagnosticStatus.OK,
        f'{loop.accepted} timing sets accepted, {rejected} rejected',
        {'sets_accepted': loop.accepted, 'sets_rejected': rejected,
         **counts_by_reason('rejected', loop.rejected)}))
    signing = bool(loop.config.command_key)
    array.status.append(_status(
        status_name(node_name, COMMANDS_TASK), DiagnosticStatus.OK,
        'commands signed with the rig key' if signing else UNAUTHENTICATED,
        {'signed': str(signing).lower()}))
    for state in clients:
        cameras = _uncontrollable(loop, state.client_id)
        array.status.append(_status(
            status_name(node_name, client_task(state.client_id)), _LEVEL[state.lock_state],
            state.lock_state.name.lower() + _controllability(state.controllable, cameras),
            {'residual_ns': state.residual_ns, 'delay_ns': state.delay_ns,
             'intra_client_spread_ns': state.intra_client_spread_ns,
             'sets_received': state.sets_received, 'sets_missed': state.sets_missed,
             'frames_missing': state.frames_missing, 'controllable': state.controllable,
             'uncontrollable_channels': ','.join(cameras)}))
    return array


def _uncontrollable(loop: ServerLoop, client_id: str) -> list[str]:
    """Return the client's cameras whose phase does not follow their delay."""
    return [c.channel_id for c in loop.channel_states(client_id) if not c.controllable]


def _controllability(client: bool, cameras: list[str]) -> str:
    """Return the status message's note on what the delay cannot move."""
    if not client:
        return ' (free-running: phase not controllable)'
    if cameras:
        return f' (free-running, phase not controllable: {", ".join(cameras)})'
    return ''


def _status(name: str, level: bytes, message: str, values: dict) -> DiagnosticStatus:
    return diagnostic_status(name, level, message, HARDWARE_ID, values)
