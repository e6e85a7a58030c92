"""Turn a validated ClientConfig into what the capture engine is started with."""
from __future__ import annotations

import functools

from compound_eyes.camera.factory import SYNTHETIC_PREFIX, create_source
from compound_eyes.capture.records import CameraSpec
from compound_eyes.codec.image_codec import ImageFormat
from compound_eyes.config.client import ClientConfig
from compound_eyes.config.errors import ConfigError


def image_format(config: ClientConfig) -> ImageFormat:
    """Return the encoding the capture workers apply to every frame."""
    return ImageFormat(encoding=config.image_format, jpeg_quality=config.jpeg_quality)


def camera_specs(config: ClientConfig, source: str = '') -> list[CameraSpec]:
    """Return one picklable spec per channel; each source is checked now, opened in its worker.

    source names where the configuration came from (a file) in errors.
    """
    specs = []
    for index, camera in enumerate(config.cameras):
        options: dict[str, object] = {
            'width': config.width, 'height': config.height, 'fps': config.fps,
            'encoding': 'mono8' if config.image_format == 'mono8' else 'bgr8'}
        if camera.camera_id.startswith(SYNTHETIC_PREFIX):
            options.update(label=f'{config.client_id}/{camera.channel_id}', seed=index)
        options.update(camera.options)
        try:
            create_source(camera.camera_id, options)
        except ValueError as error:
            raise ConfigError(f'camera_config.{camera.channel_id}', str(error),
                              source) from None
        specs.append(CameraSpec(camera.channel_id, camera.camera_id,
                                functools.partial(create_source, camera.camera_id, options),
                                max_width=config.width, max_height=config.height))
    return specs
