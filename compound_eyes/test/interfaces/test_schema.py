"""The constants of compound_eyes.interfaces.schema are exactly those of the .msg files."""
from __future__ import annotations

import enum
import shutil
from pathlib import Path

from rosidl_adapter.parser import parse_message_file

from compound_eyes.interfaces import schema
from compound_eyes.proto.msg_to_proto import default_msg_dir

# (enum, message, constant prefix): enum member NAME mirrors <message>.<prefix>NAME
MIRRORS: list[tuple[type[enum.IntEnum], str, str]] = [
    (schema.StampSource, 'CameraFrame', 'STAMP_'),
    (schema.Payload, 'CameraFrame', 'PAYLOAD_'),
    (schema.LockState, 'ClientSyncStatus', ''),
]


def _msg_constants(msg_dir: Path) -> dict[str, int]:
    """Return '<message>.<CONSTANT>' -> value of every constant in msg_dir."""
    constants = {}
    for path in sorted(msg_dir.glob('*.msg')):
        for constant in parse_message_file(schema.PACKAGE, str(path)).constants:
            constants[f'{path.stem}.{constant.name}'] = constant.value
    return constants


def _mirrored() -> dict[str, int]:
    return {f'{message}.{prefix}{member.name}': int(member)
            for values, message, prefix in MIRRORS for member in values}


def _mismatches(msg_dir: Path) -> list[str]:
    """Return every constant that one side lacks or that differs between the two."""
    in_msg, in_schema = _msg_constants(msg_dir), _mirrored()
    return sorted(f'{name}: .msg {in_msg.get(name)}, schema {in_schema.get(name)}'
                  for name in in_msg.keys() | in_schema.keys()
                  if in_msg.get(name) != in_schema.get(name))


def test_every_msg_constant_is_in_the_schema_with_its_value():
    assert _msg_constants(default_msg_dir()), 'no constants parsed'
    assert _mismatches(default_msg_dir()) == []


def test_a_changed_or_added_constant_is_reported(tmp_path):
    msg_dir = tmp_path / 'msg'
    shutil.copytree(default_msg_dir(), msg_dir)
    status = msg_dir / 'ClientSyncStatus.msg'
    status.write_text(status.read_text().replace('uint8 LOST=2', 'uint8 LOST=3')
                      + 'uint8 FROZEN=4\n')
    assert _mismatches(msg_dir) == ['ClientSyncStatus.FROZEN: .msg 4, schema None',
                                    'ClientSyncStatus.LOST: .msg 3, schema 2']


def test_every_type_name_is_a_msg_file():
    own = [value for name, value in vars(schema).items()
           if name.endswith('_TYPE') and value.startswith(f'{schema.PACKAGE}/msg/')]
    assert len(own) >= 5
    for msgtype in own:
        assert (default_msg_dir() / f'{msgtype.rsplit("/", 1)[1]}.msg').is_file(), msgtype


def test_commands_go_to_the_namespace_of_the_timing_topic():
    assert schema.command_topic('/rig/c1/synced_frames/timing') == '/rig/c1/phase_delay'
    assert schema.command_topic('/synced_frames/timing') == '/phase_delay'
    assert schema.command_topic('/c1/other_timing') == '/c1/phase_delay'
    assert schema.command_topic('/c1/synced_frames/timing_x') == '/c1/synced_frames/phase_delay'
