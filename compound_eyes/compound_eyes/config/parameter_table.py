"""The parameter tables of docs/parameters.md, written from the config dataclasses' facts.

Run ``python -m compound_eyes.config.parameter_table`` to print them; a test checks that the
document holds exactly this text, so the docs cannot drift from the defaults and bounds.
"""
from __future__ import annotations

from compound_eyes.config.client import (
    CAMERA_CONFIG,
    CAMERA_CONTROLS,
    CAMERA_ID,
    CHANNELS,
    CameraConfig,
    ClientConfig,
)
from compound_eyes.config.schema import Facts, Setting, Settings, ros_value, settings_of
from compound_eyes.config.server import ServerConfig

NODES: tuple[tuple[str, type[Settings]], ...] = (
    ('compound_eyes_client', ClientConfig), ('compound_eyes_server', ServerConfig))
# camera_config's names depend on the channels a file lists; shown with placeholders.
CHANNEL = f'{CAMERA_CONFIG}.<channel>'
CAMERA_NAMES = (f'{CAMERA_CONFIG}.{CHANNELS}', f'{CHANNEL}.{CAMERA_ID}')
OPTION_NAME = f'{CHANNEL}.<option>'
_TYPES = {float: 'double', int: 'integer', bool: 'bool', str: 'string',
          tuple: 'string (comma-separated list)'}
_HEADER = ('| parameter | type | default | accepted | live | meaning |\n'
           '|---|---|---|---|---|---|')


def _row(name: str, kind: str, default: str, facts: Facts) -> str:
    live = 'yes' if facts.live else 'no'
    meaning = facts.description
    if facts.replaced_by:
        meaning += f'; deprecated: use `{facts.replaced_by}`'
    return (f'| `{name}` | {kind} | {default} | {facts.constraints() or "any"} | {live} '
            f'| {meaning} |')


def _default(item: Setting) -> str:
    if item.default_factory is not None:
        return '— (see meaning)'
    value = ros_value(item.default)
    return f'`{str(value).lower()}`' if isinstance(value, bool) else f'`{value!r}`'


def table(config_type: type[Settings]) -> str:
    """Return the markdown table of one node's parameters."""
    rows = [_row(s.name, _TYPES[s.kind], _default(s), s.facts)
            for s in settings_of(config_type)]
    if config_type is ClientConfig:
        rows += [_row(name, 'as written', '—', ClientConfig.facts(name))
                 for name in CAMERA_NAMES]
        rows += [_row(f'{CHANNEL}.{s.name}', _TYPES[s.kind], _default(s), s.facts)
                 for s in settings_of(CameraConfig)]
        rows += [_row(f'{CHANNEL}.{s.name}', _TYPES[s.kind], '— (as the device has it)',
                      s.facts) for s in CAMERA_CONTROLS.values()]
        rows.append(_row(OPTION_NAME, 'as written', '—', ClientConfig.facts(OPTION_NAME)))
    return '\n'.join([_HEADER, *rows])


def tables() -> str:
    """Return every node's section: a heading and its table."""
    return '\n\n'.join(f'### `{node}`\n\n{table(config_type)}' for node, config_type in NODES)


if __name__ == '__main__':
    print(tables())
