"""Publish one fully populated SyncedFrameSet (4 x 640x480 bgr8) until stopped.

Usage: dds_frame_set_pub.py TOPIC DIGEST_JSON. Writes the digest of what it sends, waits for a
subscriber to match, then republishes every 0.5 s so a late or lossy start still delivers.
"""
from __future__ import annotations

import json
import os
import sys

import rclpy
from compound_eyes_msgs.msg import SyncedFrameSet
from proto_sample import digest, sample_frame_set
from rclpy.executors import ExternalShutdownException
from rclpy.qos import QoSProfile, ReliabilityPolicy


def main(topic: str, digest_path: str) -> None:
    """Publish until SIGINT."""
    message = sample_frame_set(frames=4, width=640, height=480)
    with open(digest_path + '.tmp', 'w') as out:
        json.dump(digest(message), out)
    os.replace(digest_path + '.tmp', digest_path)
    rclpy.init()
    node = rclpy.create_node('dds_frame_set_pub')
    qos = QoSProfile(depth=2, reliability=ReliabilityPolicy.RELIABLE)
    publisher = node.create_publisher(SyncedFrameSet, topic, qos)
    try:
        while True:
            rclpy.spin_once(node, timeout_sec=0.5)
            if publisher.get_subscription_count() > 0:
                publisher.publish(message)
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        node.destroy_node()
        rclpy.try_shutdown()


if __name__ == '__main__':
    main(*sys.argv[1:])
