"""Read ROS 2 parameter files (``/**: ros__parameters: ...``) without rclpy.

The same files are passed to nodes with ``--params-file``; reading them here lets the CLI
validate a file before any process starts and report the key that is wrong.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from compound_eyes.config.errors import ConfigError

PARAMS_KEY = 'ros__parameters'


def load_node_parameters(path: Path, node_name: str) -> dict[str, Any]:
    """Return the nested parameters for node_name: wildcard sections first, then its own."""
    try:
        document = yaml.safe_load(path.read_text())
    except OSError as error:
        raise ConfigError('params_file', f'cannot read ({error.strerror})', str(path)) from None
    except yaml.YAMLError as error:
        raise ConfigError('params_file', f'not valid YAML ({error})', str(path)) from None
    if document is None:
        return {}
    if not isinstance(document, dict):
        raise ConfigError('params_file', 'top level must be a mapping of node names', str(path))
    merged: dict[str, Any] = {}
    for section_name, section in document.items():
        if not _section_applies(str(section_name), node_name):
            continue
        if not isinstance(section, dict) or PARAMS_KEY not in section:
            raise ConfigError(str(section_name), f'needs a "{PARAMS_KEY}" mapping', str(path))
        params = section[PARAMS_KEY] or {}
        if not isinstance(params, dict):
            raise ConfigError(f'{section_name}.{PARAMS_KEY}', 'must be a mapping', str(path))
        _deep_merge(merged, params)
    return merged


def _section_applies(section_name: str, node_name: str) -> bool:
    """Match the section names rcl accepts for a node: /**, node, /node, /ns/node, /**/node."""
    name = section_name.strip('/')
    return name in ('**', node_name) or name.endswith('/' + node_name)


def _deep_merge(target: dict[str, Any], update: dict[str, Any]) -> None:
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_merge(target[key], value)
        else:
            target[key] = value


def unflatten(flat: dict[str, Any]) -> dict[str, Any]:
    """Turn rclpy's dotted parameter names (``camera_config.cam0.camera_id``) into nested dicts."""
    nested: dict[str, Any] = {}
    for dotted, value in flat.items():
        node = nested
        *parents, leaf = dotted.split('.')
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return nested
