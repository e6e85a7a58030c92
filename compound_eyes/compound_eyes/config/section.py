"""Typed, named reads from one mapping of parameters; keys nobody read are reported as unknown."""
from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from compound_eyes.config.errors import ConfigError

_MISSING = object()
IDENTIFIER_MAX_CHARS = 64


def identifier_problem(text: str) -> str:
    """Say why text is no id (client_id, channel ids): ASCII letters, digits and _; '' if it is."""
    if not (text.isascii() and text.replace('_', '').isalnum()):
        return f'must be ASCII letters, digits and _, got {text!r}'
    if len(text) > IDENTIFIER_MAX_CHARS:
        return f'must be at most {IDENTIFIER_MAX_CHARS} characters, got {len(text)}'
    return ''


class Section:
    """One level of a parameter mapping, read key by key with checks that name the full key."""

    def __init__(self, data: Mapping[str, Any] | None, prefix: str = '', source: str = '') -> None:
        self.data = dict(data or {})
        self.prefix = prefix
        self.source = source
        self._read: set[str] = set()

    def key_name(self, key: str) -> str:
        """Return the dotted name of key, as rclpy and error messages show it."""
        return f'{self.prefix}.{key}' if self.prefix else key

    def error(self, key: str, problem: str) -> ConfigError:
        """Build a ConfigError for key in this section."""
        return ConfigError(self.key_name(key), problem, self.source)

    def _get(self, key: str, default: Any) -> Any:
        self._read.add(key)
        value = self.data.get(key, default)
        if value is _MISSING:
            raise self.error(key, 'is required')
        return value

    def has(self, key: str) -> bool:
        """Tell whether key is present."""
        return key in self.data

    def text(self, key: str, default: Any = _MISSING, allow_empty: bool = False,
             accept_int: bool = False) -> str:
        """Read a string; accept_int takes YAML integers too (a device index written as 0)."""
        value = self._get(key, default)
        if accept_int and isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str):
            raise self.error(key, f'must be a string, got {value!r}')
        if not value and not allow_empty:
            raise self.error(key, 'must not be empty')
        return value

    def integer(self, key: str, default: Any = _MISSING, minimum: int | None = None,
                maximum: int | None = None) -> int:
        """Read an integer within optional bounds."""
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f'must be an integer, got {value!r}')
        self._check_bounds(key, value, minimum, maximum)
        return value

    def number(self, key: str, default: Any = _MISSING, minimum: float | None = None,
               maximum: float | None = None, positive: bool = False) -> float:
        """Read a finite float (integers accepted) within optional bounds."""
        value = self._get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(key, f'must be a number, got {value!r}')
        value = float(value)
        if not math.isfinite(value):
            raise self.error(key, f'must be finite, got {value!r}')
        if positive and value <= 0:
            raise self.error(key, f'must be > 0, got {value:g}')
        self._check_bounds(key, value, minimum, maximum)
        return value

    def flag(self, key: str, default: Any = _MISSING) -> bool:
        """Read a boolean."""
        value = self._get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f'must be true or false, got {value!r}')
        return value

    def choice(self, key: str, choices: tuple[str, ...], default: Any = _MISSING) -> str:
        """Read a string that must be one of choices."""
        value = self.text(key, default)
        if value not in choices:
            raise self.error(key, f'must be one of {", ".join(choices)}, got {value!r}')
        return value

    def text_list(self, key: str, default: Any = _MISSING) -> list[str]:
        """Read a list of strings; a comma-separated string is accepted too.

        ROS parameter files cannot hold an empty list (it has no type), so "" stands for [].
        """
        value = self._get(key, default)
        if isinstance(value, str):
            value = [part.strip() for part in value.split(',') if part.strip()]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise self.error(key, f'must be a list of strings, got {value!r}')
        return list(value)

    def section(self, key: str) -> Section:
        """Return the nested mapping under key as a Section (empty when absent)."""
        value = self._get(key, {})
        if not isinstance(value, Mapping):
            raise self.error(key, f'must be a mapping, got {value!r}')
        return Section(value, self.key_name(key), self.source)

    def rest(self) -> dict[str, Any]:
        """Return the keys not read so far (for options validated elsewhere) and mark them read."""
        rest = {k: v for k, v in self.data.items() if k not in self._read}
        self._read.update(rest)
        return rest

    def unread(self) -> list[str]:
        """Return the keys never read, sorted: typos, or settings of someone else."""
        return sorted(set(self.data) - self._read)

    def finish(self) -> None:
        """Reject any key that was never read: a typo must not be silently ignored."""
        unknown = self.unread()
        if unknown:
            raise self.error(unknown[0], 'unknown key')

    def _check_bounds(self, key: str, value: float, minimum: float | None,
                      maximum: float | None) -> None:
        if minimum is not None and value < minimum:
            raise self.error(key, f'must be >= {minimum:g}, got {value:g}')
        if maximum is not None and value > maximum:
            raise self.error(key, f'must be <= {maximum:g}, got {value:g}')
