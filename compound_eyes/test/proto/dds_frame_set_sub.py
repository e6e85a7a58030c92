"""Receive one SyncedFrameSet and write the digest of every field, then exit.

Usage: dds_frame_set_sub.py TOPIC DIGEST_JSON. The file appears atomically, complete or not at all.
"""
from __future__ import annotations

import json
import os
import sys

import rclpy
from compound_eyes_msgs.msg import SyncedFrameSet
from proto_sample import digest
from rclpy.executors import ExternalShutdownException
from rclpy.qos import QoSProfile, ReliabilityPolicy


def main(topic: str, digest_path: str) -> None:
    """Spin until the first message is written out, or SIGINT."""
    received: list[SyncedFrameSet] = []
    rclpy.init()
    node = rclpy.create_node('dds_frame_set_sub')
    qos = QoSProfile(depth=2, reliability=ReliabilityPolicy.RELIABLE)
    node.create_subscription(SyncedFrameSet, topic, received.append, qos)
    try:
        while not received:
            rclpy.spin_once(node, timeout_sec=0.5)
        with open(digest_path + '.tmp', 'w') as out:
            json.dump(digest(received[0]), out)
        os.replace(digest_path + '.tmp', digest_path)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        node.destroy_node()
        rclpy.try_shutdown()


if __name__ == '__main__':
    main(*sys.argv[1:])
