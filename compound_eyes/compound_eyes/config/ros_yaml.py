"""ROS 2 parameter names and files without rclpy: dotted names <-> nested mappings.

rcl itself reads parameter files (the nodes validate what it hands them); this module only
converts between rclpy's flat dotted names and the nested mappings the configs read, and
writes files in the form rcl reads (``/**: ros__parameters: ...``).
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from compound_eyes.config.errors import ConfigError

PARAMS_KEY = 'ros__parameters'
ALL_NODES = '/**'


def unflatten(flat: Mapping[str, Any], source: str = '') -> dict[str, Any]:
    """Turn rclpy's dotted parameter names (``camera_config.cam0.camera_id``) into nested dicts."""
    nested: dict[str, Any] = {}
    for dotted, value in flat.items():
        node = nested
        *parents, leaf = dotted.split('.')
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(dotted, f'{part} is a value, not a group', source)
        if isinstance(node.get(leaf), dict):
            raise ConfigError(dotted, 'is a group, not a value', source)
        node[leaf] = value
    return nested


def flatten(nested: Mapping[str, Any], prefix: str = '') -> dict[str, Any]:
    """Turn nested parameters into rclpy's dotted names (the inverse of unflatten)."""
    flat: dict[str, Any] = {}
    for key, value in nested.items():
        name = f'{prefix}{key}'
        if isinstance(value, Mapping):
            flat.update(flatten(value, name + '.'))
        else:
            flat[name] = value
    return flat


def parameter_file_text(params: Mapping[str, Any]) -> str:
    """Return a parameter file giving params to every node it is passed to."""
    return yaml.safe_dump({ALL_NODES: {PARAMS_KEY: dict(params)}}, sort_keys=False)
