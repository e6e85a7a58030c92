"""The four export formats, each consuming recorded SyncedFrameSets one at a time.

Every exporter writes as it goes (legacy excepted: one Video message at close), so an export
stopped by a damaged bag keeps everything it received; close() must always be called.
"""
from __future__ import annotations

from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from compound_eyes.export.delimited import write_delimited
from compound_eyes.export.frames import camera_frames
from compound_eyes.interfaces.images import frame_image, raw_image
from compound_eyes.interfaces.schema import Payload
from compound_eyes.interfaces.stamps import ns_from_time
from compound_eyes.record.bag_reader import BagMessage


class Exporter(Protocol):
    """Consumes SyncedFrameSet messages and writes one output format."""

    def add(self, message: BagMessage) -> None:
        """Export one recorded set."""

    def close(self) -> str:
        """Finish the output; return a one-line summary."""


def _refuse_existing(path: Path) -> None:
    if path.exists():
        raise FileExistsError(f'export output {path} exists already; not overwriting it')


class ProtobufExporter:
    """compound_eyes.proto SyncedFrameSet messages, length-delimited, in one file."""

    def __init__(self, out: Path) -> None:
        from compound_eyes.proto.convert import to_proto  # needs the generated classes

        _refuse_existing(out)
        self._to_proto = to_proto
        self.out = out
        self._stream = out.open('xb')
        self.count = 0

    def add(self, message: BagMessage) -> None:
        """Convert and append one set, straight from the object the bag reader made."""
        write_delimited(self._stream, self._to_proto(message.msg))
        self.count += 1

    def close(self) -> str:
        """Close the file."""
        self._stream.close()
        return f'{self.count} SyncedFrameSet messages -> {self.out}'


class LegacyExporter:
    """The original system's format: one compound_eyes.legacy.Video with every camera frame."""

    def __init__(self, out: Path) -> None:
        from compound_eyes_proto import video_pb2

        _refuse_existing(out)
        self.out = out
        self._out_stream = out.open('xb')
        self.video = video_pb2.Video()

    def add(self, message: BagMessage) -> None:
        """Append one legacy Image per camera frame that carries pixels."""
        for name, frame in camera_frames(message):
            if frame.payload == Payload.RAW:
                pixels = raw_image(frame.image)
                rows, cols = pixels.shape[:2]
                channels = 1 if pixels.ndim == 2 else pixels.shape[2]
                fmt, data = frame.image.encoding, pixels.tobytes()
            elif frame.payload == Payload.COMPRESSED:
                decoded = frame_image(frame)
                rows, cols = decoded.shape[:2]
                channels = 1 if decoded.ndim == 2 else decoded.shape[2]
                fmt = frame.compressed_image.format
                data = np.asarray(frame.compressed_image.data, np.uint8).tobytes()
            else:
                continue
            self.video.frames.add(timestamp=ns_from_time(frame.capture_stamp), cols=cols,
                                  rows=rows, channels=channels, format=fmt,
                                  image_bytes=data, channel_id=name)

    def close(self) -> str:
        """Sort frames by capture time and write the Video message."""
        frames = sorted(self.video.frames, key=lambda f: f.timestamp)
        del self.video.frames[:]
        self.video.frames.extend(frames)
        with self._out_stream as stream:
            stream.write(self.video.SerializeToString())
        return f'{len(frames)} legacy frames -> {self.out}'


def _image_extension(frame: object) -> str:
    if frame.payload == Payload.COMPRESSED:
        return 'png' if 'png' in frame.compressed_image.format.lower() else 'jpg'
    return 'png'


class ImagesExporter:
    """One folder per client/channel; files <tick>_<capture ns>.png|jpg."""

    def __init__(self, out: Path) -> None:
        _refuse_existing(out)
        out.mkdir(parents=True)
        self.out = out
        self.count = 0

    def add(self, message: BagMessage) -> None:
        """Write every frame of the set that carries pixels."""
        for name, frame in camera_frames(message):
            if frame.payload not in (Payload.RAW, Payload.COMPRESSED):
                continue
            folder = self.out / name
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / (f'{message.msg.tick:06d}_{ns_from_time(frame.capture_stamp)}.'
                             f'{_image_extension(frame)}')
            if frame.payload == Payload.COMPRESSED:  # keep the camera's bytes untouched
                path.write_bytes(np.asarray(frame.compressed_image.data, np.uint8).tobytes())
            elif not cv2.imwrite(str(path), frame_image(frame)):
                raise OSError(f'could not write {path}')
            self.count += 1

    def close(self) -> str:
        """Nothing to flush."""
        return f'{self.count} images -> {self.out}'


class VideoExporter:
    """One MP4 (mp4v) per camera at the tick rate: <out>/<client>/<channel>.mp4."""

    def __init__(self, out: Path) -> None:
        _refuse_existing(out)
        out.mkdir(parents=True)
        self.out = out
        self.writers: dict[str, tuple[cv2.VideoWriter, tuple[int, int]]] = {}
        self.count = 0

    def add(self, message: BagMessage) -> None:
        """Append every frame of the set to its camera's video."""
        fps = 1e9 / message.msg.tick_period_ns if message.msg.tick_period_ns > 0 else 30.0
        for name, frame in camera_frames(message):
            pixels = frame_image(frame)
            if pixels is None:
                continue
            if pixels.ndim == 2:
                pixels = cv2.cvtColor(pixels, cv2.COLOR_GRAY2BGR)
            if name not in self.writers:
                path = self.out / f'{name}.mp4'
                path.parent.mkdir(parents=True, exist_ok=True)
                size = (pixels.shape[1], pixels.shape[0])
                writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*'mp4v'), fps, size)
                if not writer.isOpened():
                    raise OSError(f'cv2 cannot write mp4v video {path}')
                self.writers[name] = (writer, size)
            writer, size = self.writers[name]
            if (pixels.shape[1], pixels.shape[0]) != size:
                pixels = cv2.resize(pixels, size)
            writer.write(np.ascontiguousarray(pixels))
            self.count += 1

    def close(self) -> str:
        """Finalize every MP4 file."""
        for writer, _ in self.writers.values():
            writer.release()
        return f'{self.count} frames in {len(self.writers)} videos -> {self.out}'


EXPORTERS: dict[str, type] = {'protobuf': ProtobufExporter, 'legacy': LegacyExporter,
                              'images': ImagesExporter, 'video': VideoExporter}
