"""Per-camera views of the synced frames: <channel>/image_raw, image_raw/compressed, camera_info.

These are the topics ROS tools expect (rviz2, image_view, camera_calibration,
stereo_image_proc); SyncedFrameSet stays the synced record, these show the same frames. Each
message is built only while its topic has a subscriber (raw also when always_publish_raw),
since the publishing thread's time per set delays the next set. A JPEG-capturing client
decodes for image_raw and a raw one encodes for image_raw/compressed, only then.
"""
from __future__ import annotations

from collections.abc import Mapping

import cv2
from builtin_interfaces.msg import Time
from rclpy.node import Node
from rclpy.qos import QoSProfile
from sensor_msgs.msg import CameraInfo, CompressedImage, Image
from std_msgs.msg import Header

from compound_eyes.capture.records import FrameRecord, FrameSet
from compound_eyes.codec.image_codec import decode
from compound_eyes.config.channel_names import ChannelNames
from compound_eyes.config.client import ClientConfig
from compound_eyes.interfaces.schema import (
    CAMERA_INFO,
    IMAGE_COMPRESSED,
    IMAGE_RAW,
    camera_topic,
)
from compound_eyes.interfaces.stamps import time_from_ns
from compound_eyes.nodes.frame_set_msg import compressed_image_msg, raw_image_msg
from compound_eyes.nodes.publish_guard import PublishGuard
from compound_eyes.nodes.qos import overridable_publisher
from compound_eyes.nodes.set_camera_info import ChannelCalibration

# What the capture workers' JPEG holds: they encode the bgr8 frames of the source.
JPEG_SOURCE_ENCODING = 'bgr8'


def compressed_format(encoding: str) -> str:
    """Return CompressedImage.format as compressed_image_transport writes it for a JPEG."""
    return f'{encoding}; jpeg compressed {encoding}'


class ChannelTopics:
    """The publishers of one channel and its calibration."""

    def __init__(self, node: Node, names: ChannelNames, config: ClientConfig,
                 qos: QoSProfile, guard: PublishGuard, source: str) -> None:
        channel = names.channel_id
        self.names = names
        self.guard = guard
        self.jpeg_quality = config.jpeg_quality
        self.always_raw = config.always_publish_raw
        self.calibration = ChannelCalibration(node, names, config.width, config.height)
        self.raw = overridable_publisher(node, Image, camera_topic(channel, IMAGE_RAW), qos,
                                         source)
        self.compressed = overridable_publisher(
            node, CompressedImage, camera_topic(channel, IMAGE_COMPRESSED), qos, source)
        self.info = overridable_publisher(node, CameraInfo, camera_topic(channel, CAMERA_INFO),
                                          qos, source)

    def publish(self, record: FrameRecord, stamp: Time) -> None:
        """Publish what is subscribed of one frame, every message with the same header."""
        want_raw = self.always_raw or self.raw.get_subscription_count() > 0
        want_compressed = self.compressed.get_subscription_count() > 0
        if want_raw:
            self.guard.publish(self.raw, self._raw(record, stamp))
        if want_compressed:
            self.guard.publish(self.compressed, self._compressed(record, stamp))
        if self.info.get_subscription_count() > 0:
            header = Header(stamp=stamp, frame_id=self.names.frame_id)
            self.guard.publish(self.info,
                               self.calibration.info(header, record.width, record.height))

    def _raw(self, record: FrameRecord, stamp: Time) -> Image:
        if not record.compressed:
            return raw_image_msg(record.data, record.encoding, record.width, record.height,
                                 stamp, self.names.frame_id)
        pixels = decode(record.data, record.encoding)
        encoding = JPEG_SOURCE_ENCODING if pixels.ndim == 3 else 'mono8'
        return raw_image_msg(pixels.tobytes(), encoding, pixels.shape[1], pixels.shape[0],
                             stamp, self.names.frame_id)

    def _compressed(self, record: FrameRecord, stamp: Time) -> CompressedImage:
        if record.compressed:
            return compressed_image_msg(record.data, compressed_format(JPEG_SOURCE_ENCODING),
                                        stamp, self.names.frame_id)
        pixels = decode(record.data, record.encoding, record.width, record.height)
        ok, jpeg = cv2.imencode('.jpg', pixels, [cv2.IMWRITE_JPEG_QUALITY, self.jpeg_quality])
        if not ok:
            raise ValueError(f'channel {record.channel_id}: JPEG encoding failed')
        return compressed_image_msg(jpeg.tobytes(), compressed_format(record.encoding), stamp,
                                    self.names.frame_id)


class CameraTopics:
    """Every channel's topics; stamps each set's images by the client's stamp_mode."""

    def __init__(self, node: Node, names: Mapping[str, ChannelNames], config: ClientConfig,
                 qos: QoSProfile, guard: PublishGuard, source: str) -> None:
        """Guard counts refused publishes, as for the synced sets, so one never stops the rest.

        source: the parameter files, named when a qos_overrides value is refused.
        """
        self.tick_stamps = config.stamp_mode == 'tick'
        self.channels = {channel: ChannelTopics(node, channel_names, config, qos, guard, source)
                         for channel, channel_names in names.items()}

    def publish(self, frame_set: FrameSet) -> None:
        """Publish every frame of a set on its channel's subscribed topics."""
        tick_stamp = time_from_ns(frame_set.scheduled_ns)
        for channel, record in frame_set.frames.items():
            stamp = tick_stamp if self.tick_stamps else time_from_ns(record.capture_ns)
            self.channels[channel].publish(record, stamp)
