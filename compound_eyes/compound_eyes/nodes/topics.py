"""Topic names of the compound_eyes graph, in one place for nodes, tests and tools."""

SYNCED_FRAMES = 'synced_frames'              # relative: lives in the client's namespace
SYNCED_FRAMES_TIMING = 'synced_frames/timing'
CLOCK_STATUS = 'clock_status'
PHASE_DELAY = '/phase_delay'                 # absolute: one command topic for all clients
SYNC_STATUS = '/sync_status'
DIAGNOSTICS = '/diagnostics'
SYNCED_FRAME_SET_TYPE = 'compound_eyes_msgs/msg/SyncedFrameSet'


def is_client_timing(name: str, types: list[str]) -> bool:
    """Tell whether a graph topic is a client's timing topic (how the server finds clients)."""
    return SYNCED_FRAME_SET_TYPE in types and name.endswith('/' + SYNCED_FRAMES_TIMING)
