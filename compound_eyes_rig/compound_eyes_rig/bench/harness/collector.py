"""The harness's measuring process: one JSON line per received set and per sync status.

It runs in the server's namespace, so receive times are what the server side sees. Each
frame's true exposure time is decoded from its synthetic timecode here, while the bytes are
at hand; the harness analyses the lines after the run (and tails them to follow progress).

    python -m compound_eyes_rig.bench.harness.collector --out ROWS.jsonl TOPIC [TOPIC ...]
"""
from __future__ import annotations

import argparse
import functools
import json
import time
from typing import TextIO

from compound_eyes_msgs.msg import CameraFrame, SyncedFrameSet, SyncStatus
from rclpy.event_handler import QoSMessageLostInfo, SubscriptionEventCallbacks
from rclpy.node import Node
from rclpy.subscription import MessageInfo

from compound_eyes.camera.timecode import decode
from compound_eyes.config.client import QosConfig
from compound_eyes.interfaces import schema
from compound_eyes.interfaces.images import frame_image
from compound_eyes.interfaces.stamps import ns_from_time
from compound_eyes.nodes.dds_profile import use_large_frame_profile
from compound_eyes.nodes.lifecycle import run_until_signal
from compound_eyes.nodes.qos import STATUS_QOS, image_qos

FLUSH_PERIOD_S = 0.2
# As deep as the clients' image writers: a reader that gets no CPU for a while still holds
# every set they kept for it.
READER_QOS = image_qos('reliable', QosConfig().depth)


def true_time(frame: CameraFrame) -> int | None:
    """Return the exposure time painted into the frame, None when it does not decode."""
    try:
        image = frame_image(frame)
    except ValueError:
        return None
    return None if image is None else decode(image)


class RowCollector(Node):
    """Writes a 'set' line per SyncedFrameSet and a 'status' line per SyncStatus."""

    def __init__(self, frame_topics: list[str], out: TextIO) -> None:
        super().__init__('compound_eyes_bench_collector')
        self.out = out
        self.lost: dict[str, int] = {}     # topic -> samples its reader reported lost
        for topic in frame_topics:
            self.lost[topic] = 0
            events = SubscriptionEventCallbacks(
                message_lost=functools.partial(self._on_lost, topic))
            self.create_subscription(SyncedFrameSet, topic,
                                     functools.partial(self._on_set, topic),
                                     READER_QOS, event_callbacks=events)
        self.create_subscription(SyncStatus, schema.SYNC_STATUS, self._on_status, STATUS_QOS)
        # Flushing on a timer hands rows to the tailing harness.
        self.create_timer(FLUSH_PERIOD_S, self.out.flush)

    def _on_set(self, topic: str, msg: SyncedFrameSet, info: MessageInfo) -> None:
        """Write the set and where it was: 'w' written, 'x' taken in by this reader's DDS.

        With 'q' (the writer's sequence number) and 'l' (samples this reader reported lost so
        far) they tell where a missing set went.
        """
        received = time.time_ns()
        self._write({'k': 'set', 'c': msg.client_id, 't': msg.tick,
                     'h': ns_from_time(msg.header.stamp), 'r': received,
                     'd': msg.phase_delay_ns, 'm': list(msg.missing_channel_ids),
                     'f': [[f.channel_id, ns_from_time(f.capture_stamp), true_time(f)]
                           for f in msg.frames],
                     'w': info['source_timestamp'], 'x': info['received_timestamp'],
                     'q': info['publication_sequence_number'], 'l': self.lost[topic]})

    def _on_lost(self, topic: str, status: QoSMessageLostInfo) -> None:
        self.lost[topic] = status.total_count

    def _on_status(self, msg: SyncStatus) -> None:
        """Write each client's lock state ('s') and the server's view of it ('v').

        The view (residual, delay commanded, controllable, uncontrollable cameras) tells a
        server that did not see an error from one that saw it and held a delay.
        """
        self._write({'k': 'status', 'r': time.time_ns(),
                     's': {c.client_id: c.lock_state for c in msg.clients},
                     'v': {c.client_id: [c.residual_ns, c.delay_ns, c.controllable,
                                         list(c.uncontrollable_channel_ids)]
                           for c in msg.clients}})

    def _write(self, row: dict) -> None:
        self.out.write(json.dumps(row, separators=(',', ':')) + '\n')


def main(argv: list[str] | None = None) -> int:
    """Collect until SIGINT/SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', required=True, help='JSON-lines file to append to')
    parser.add_argument('topics', nargs='+', help='full synced_frames topics, one per client')
    args = parser.parse_args(argv)
    use_large_frame_profile()   # the receiving side's buffers matter most; clients use it too
    with open(args.out, 'a', encoding='utf-8') as out:
        return run_until_signal('bench collector', [],
                                lambda: RowCollector(args.topics, out),
                                lambda node: None, lambda node: None)


if __name__ == '__main__':
    raise SystemExit(main())
