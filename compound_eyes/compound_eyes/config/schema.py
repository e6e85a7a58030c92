"""Each setting stated once, on its config dataclass field: default, description, bounds, liveness.

A field declared with setting() carries its facts in the field's metadata. The parser
(read_settings), to_parameters(), the ROS parameter descriptors (nodes/parameters.py) and the
parameter tables in docs/parameters.md all read these facts, so none of them repeats a default
or a bound. Nested config dataclasses (qos, simulation) are parameter groups: their fields are
named ``group.field``, as rclpy names them.
"""
from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Iterator, Mapping
from dataclasses import MISSING, dataclass
from typing import Any, TypeVar

from compound_eyes.config.section import Section

_FACTS_KEY = 'compound_eyes.setting'
SettingsT = TypeVar('SettingsT', bound='Settings')


@dataclass(frozen=True)
class Facts:
    """What a setting means and what values it takes; live ones may change while running."""

    description: str
    minimum: float | None = None
    maximum: float | None = None
    positive: bool = False
    choices: tuple[str, ...] = ()
    rule: str = ''            # a constraint involving other settings, checked by the parser
    live: bool = False        # takes effect without a restart; otherwise read-only
    replaced_by: str = ''     # deprecated: still read, with a warning naming this instead

    def constraints(self) -> str:
        """Say the accepted values in words (ROS additional_constraints, the docs)."""
        parts = []
        if self.positive:
            parts.append('> 0')
        if self.minimum is not None:
            parts.append(f'>= {self.minimum:g}')
        if self.maximum is not None:
            parts.append(f'<= {self.maximum:g}')
        if self.choices:
            parts.append('one of ' + ', '.join(self.choices))
        if self.rule:
            parts.append(self.rule)
        return '; '.join(parts)


def setting(default: Any = MISSING, description: str = '', *,
            default_factory: Callable[[], Any] | Any = MISSING, **facts: Any) -> Any:
    """Declare a config field: its default (or default_factory) and its Facts."""
    metadata = {_FACTS_KEY: Facts(description, **facts)}
    if default_factory is not MISSING:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Setting:
    """One ROS parameter of a config: its dotted name, Python type, default and facts."""

    name: str
    kind: type              # float, int, bool, str or tuple (a list of strings)
    default: Any            # in the config's own form (a tuple for lists)
    facts: Facts
    default_factory: Callable[[], Any] | None = None


def settings_of(cls: type, prefix: str = '') -> list[Setting]:
    """Return every setting of a config dataclass, groups expanded, in declaration order."""
    hints = typing.get_type_hints(cls)
    found = []
    for field in dataclasses.fields(cls):
        kind = typing.get_origin(hints[field.name]) or hints[field.name]
        name = prefix + field.name
        if _FACTS_KEY in field.metadata:
            factory = None if field.default_factory is MISSING else field.default_factory
            default = factory() if factory else field.default
            found.append(Setting(name, kind, default, field.metadata[_FACTS_KEY], factory))
        elif dataclasses.is_dataclass(kind):
            found += settings_of(kind, name + '.')
    return found


def _groups(cls: type) -> Iterator[tuple[str, type]]:
    hints = typing.get_type_hints(cls)
    for field in dataclasses.fields(cls):
        kind = hints[field.name]
        if _FACTS_KEY not in field.metadata and dataclasses.is_dataclass(kind):
            yield field.name, kind


def read_settings(cls: type[SettingsT], section: Section, **given: Any) -> SettingsT:
    """Read each setting of cls from section (absent: the field's default), groups included.

    given supplies the fields that are not settings (e.g. the cameras). Groups must hold no
    unknown key; unknown keys of section itself are left to the caller.
    """
    values = dict(given)
    for item in settings_of(cls):
        if '.' not in item.name:
            values[item.name] = read_setting(section, item)
    for name, group in _groups(cls):
        sub = section.section(name)
        values[name] = read_settings(group, sub)
        sub.finish()
    return cls(**values)


def read_setting(section: Section, item: Setting) -> Any:
    """Read one setting from section by the last part of its name, checked by its facts."""
    facts, name, default = item.facts, item.name.rsplit('.', 1)[-1], item.default
    if item.kind is bool:
        return section.flag(name, default)
    if item.kind is int:
        return section.integer(name, default, minimum=facts.minimum, maximum=facts.maximum)
    if item.kind is float:
        return section.number(name, default, minimum=facts.minimum, maximum=facts.maximum,
                              positive=facts.positive)
    if item.kind is tuple:
        return tuple(section.text_list(name, list(default)))
    if facts.choices:
        return section.choice(name, facts.choices, default)
    return section.text(name, default, allow_empty=default == '')   # '' default: derived or none


def ros_value(value: Any) -> Any:
    """Return a setting's value as a ROS parameter holds it: lists of text comma-separated.

    ROS parameter files cannot hold an empty list (it has no type), so lists of text are one
    string, which the parser splits again.
    """
    return ','.join(value) if isinstance(value, tuple) else value


class Settings:
    """What every config dataclass offers: validation, its ROS parameters and their facts."""

    @classmethod
    def read(cls: type[SettingsT], top: Section) -> SettingsT:
        """Read and validate from the top-level section; unknown keys of top are not checked."""
        return read_settings(cls, top)

    @classmethod
    def parse(cls: type[SettingsT], params: Mapping[str, Any],
              source: str = '') -> tuple[SettingsT, list[str]]:
        """Validate nested parameters; also return the top-level keys that are not settings.

        Those may belong to other nodes (a params file's /** section is shared), so the caller
        decides; an unknown key inside a group (qos, simulation, ...) is an error here.
        """
        top = Section(params, source=source)
        config = cls.read(top)
        return config, top.unread()

    @classmethod
    def from_parameters(cls: type[SettingsT], params: Mapping[str, Any],
                        source: str = '') -> SettingsT:
        """Validate nested parameters; raise ConfigError naming the first bad or unknown key."""
        top = Section(params, source=source)
        config = cls.read(top)
        top.finish()
        return config

    def to_parameters(self) -> dict[str, Any]:
        """Return the nested ROS parameter mapping that from_parameters reads back to self.

        A deprecated setting left at its default is omitted, so files written from a config
        (and the parameters a node declares) carry it only where someone still sets it.
        """
        params: dict[str, Any] = {}
        for item in settings_of(type(self)):
            node, value = params, self
            *groups, leaf = item.name.split('.')
            for group in groups:
                value = getattr(value, group)
            value = getattr(value, leaf)
            if item.facts.replaced_by and value == item.default:
                continue
            for group in groups:
                node = node.setdefault(group, {})
            node[leaf] = ros_value(value)
        return params

    @classmethod
    def facts(cls, name: str) -> Facts | None:
        """Return the facts of the parameter called name, None if it is not one of ours."""
        return next((s.facts for s in settings_of(cls) if s.name == name), None)
