"""Field checks shared by the camera configs, so bad YAML fails naming the field."""
from __future__ import annotations

from dataclasses import fields


def is_int(value: object) -> bool:
    """Tell whether value is an int (bool excluded, YAML's true is not a width)."""
    return isinstance(value, int) and not isinstance(value, bool)


_TYPE_CHECKS = {
    'str': lambda v: isinstance(v, str),
    'int': is_int,
    'float': lambda v: is_int(v) or isinstance(v, float),
    'bool': lambda v: isinstance(v, bool),
    'int | None': lambda v: v is None or is_int(v),
    'float | None': lambda v: v is None or is_int(v) or isinstance(v, float),
    'str | None': lambda v: v is None or isinstance(v, str),
    'bool | None': lambda v: v is None or isinstance(v, bool),
    'tuple[int, int] | None': lambda v: v is None or isinstance(v, (list, tuple)),
}


def check_types(prefix: str, config: object) -> None:
    """Raise ValueError naming the first dataclass field whose value misfits its annotation.

    Annotations are read as text (modules use `from __future__ import annotations`).
    """
    for field in fields(config):
        value = getattr(config, field.name)
        if not _TYPE_CHECKS[field.type](value):
            raise ValueError(f'{prefix} {field.name}: expected {field.type}, got {value!r}')


def check_choice(prefix: str, name: str, value: str, choices: tuple[str, ...]) -> None:
    """Raise ValueError naming the field when value is not one of choices."""
    if value not in choices:
        raise ValueError(f'{prefix} {name}: expected one of {", ".join(choices)}, '
                         f'got {value!r}')


def check_positive(prefix: str, config: object, *names: str, allow_zero: bool = False) -> None:
    """Raise ValueError naming the first given field that is not > 0 (or >= 0); None passes."""
    for name in names:
        value = getattr(config, name)
        if value is not None and (value < 0 or (value == 0 and not allow_zero)):
            bound = '>= 0' if allow_zero else '> 0'
            raise ValueError(f'{prefix} {name}: expected {bound}, got {value}')
