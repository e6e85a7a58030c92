"""Walking the frames of recorded SyncedFrameSet messages."""
from __future__ import annotations

from collections.abc import Iterator

from compound_eyes.record.bag_reader import BagMessage


def camera_frames(message: BagMessage) -> Iterator[tuple[str, object]]:
    """Yield (client_id/channel_id, frame) for every frame of a SyncedFrameSet message."""
    client = message.msg.client_id
    for frame in message.msg.frames:
        yield f'{client}/{frame.channel_id}', frame
