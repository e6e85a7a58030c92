"""ROS 2 parameter names and files without rclpy: dotted names <-> nested mappings.

rcl itself reads parameter files (the nodes validate what it hands them); this module only
converts between rclpy's flat dotted names and the nested mappings the configs read, and
writes files in the form rcl reads (``/**: ros__parameters: ...``).
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from compound_eyes.config.errors import ConfigError

PARAMS_KEY = 'ros__parameters'
ALL_NODES = '/**'


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
