"""Render compound_eyes_msgs/msg/*.msg as one proto3 file, kept in step with the interfaces.

The .proto is derived, never hand-edited: every message of the interface package becomes a
proto message of the same name, and so does every type from another package it needs
(std_msgs/Header, builtin_interfaces/Time, sensor_msgs/Image, ...), found in the ROS prefixes.
Field numbers follow declaration order, so the proto is only wire-compatible with data written
from the same .msg revision. Integer constants become a nested enum ``Constants`` whose values
are reachable as ``Message.NAME`` in generated code, like the ROS constants.

Usage: ``python -m compound_eyes.proto.msg_to_proto [--check]``.
"""
from __future__ import annotations

import argparse
import difflib
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rosidl_adapter.parser import MessageSpecification, Type, parse_message_file

from compound_eyes.interfaces.schema import PACKAGE
from compound_eyes.signals import shielded

PROTO_PACKAGE = 'compound_eyes'
PROTO_FILE_NAME = 'compound_eyes.proto'

# ROS primitive type -> proto3 scalar. byte/char are left out on purpose: Python gives them as
# bytes/str of length 1, which would need special cases no interface here uses.
_SCALARS = {
    'bool': 'bool',
    'int8': 'int32', 'int16': 'int32', 'int32': 'int32', 'int64': 'int64',
    'uint8': 'uint32', 'uint16': 'uint32', 'uint32': 'uint32', 'uint64': 'uint64',
    'float32': 'float', 'float64': 'double',
    'string': 'string', 'wstring': 'string',
}
_INT32_RANGE = range(-2**31, 2**31)


@dataclass(frozen=True)
class _Source:
    """A parsed .msg and whether its comments belong to this project (and so are exported)."""

    spec: MessageSpecification
    own: bool


def _repo_root() -> Path:
    return Path(__file__).resolve().parents[3]


def default_msg_dir() -> Path:
    """Return the source tree's compound_eyes_msgs/msg directory."""
    return _repo_root() / PACKAGE / 'msg'


def default_output() -> Path:
    """Return where the checked-in .proto lives in the source tree."""
    return _repo_root() / PACKAGE / 'proto' / PROTO_FILE_NAME


def _search_prefixes() -> list[Path]:
    """ROS install prefixes: AMENT_PREFIX_PATH, then this Python's prefix (PyPI ROS wheels)."""
    entries = [p for p in os.environ.get('AMENT_PREFIX_PATH', '').split(os.pathsep) if p]
    return [Path(p) for p in entries] + [Path(sys.prefix)]


def find_msg_file(package: str, name: str) -> Path:
    """Locate <prefix>/share/<package>/msg/<name>.msg of an installed interface package."""
    candidates = [prefix / 'share' / package / 'msg' / f'{name}.msg'
                  for prefix in _search_prefixes()]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    searched = ', '.join(str(c) for c in candidates)
    raise FileNotFoundError(f'interface {package}/msg/{name} not found; searched {searched}')


def _load(msg_dir: Path) -> list[_Source]:
    """Parse the package's own messages and, transitively, every type they reference."""
    own_files = sorted(msg_dir.glob('*.msg'))
    if not own_files:
        raise FileNotFoundError(f'no .msg files in {msg_dir}')
    own = [_Source(parse_message_file(PACKAGE, str(path)), own=True) for path in own_files]
    known = {(s.spec.base_type.pkg_name, s.spec.base_type.type) for s in own}
    deps: dict[tuple[str, str], _Source] = {}
    pending = [s.spec for s in own]
    while pending:
        spec = pending.pop()
        for field in spec.fields:
            key = (field.type.pkg_name, field.type.type)
            if field.type.is_primitive_type() or key in known:
                continue
            known.add(key)
            dep = parse_message_file(key[0], str(find_msg_file(*key)))
            deps[key] = _Source(dep, own=False)
            pending.append(dep)
    sources = own + [deps[key] for key in sorted(deps)]
    _check_unique_names(sources)
    return sources


def _check_unique_names(sources: list[_Source]) -> None:
    """Proto names drop the ROS package, so two types with one name would silently merge."""
    seen: dict[str, str] = {}
    for source in sources:
        base = source.spec.base_type
        full = f'{base.pkg_name}/msg/{base.type}'
        if base.type in seen:
            raise ValueError(f'proto message name {base.type} is used by both '
                             f'{seen[base.type]} and {full}')
        seen[base.type] = full


def _field_type(field_type: Type, where: str) -> str:
    """Map a ROS field type to a proto3 type; arrays of uint8 become bytes for fast images."""
    if field_type.is_primitive_type():
        if field_type.type not in _SCALARS:
            raise ValueError(f'{where}: ROS type {field_type.type} has no proto mapping')
        if field_type.is_array and field_type.type == 'uint8':
            return 'bytes'
        scalar = _SCALARS[field_type.type]
    else:
        scalar = field_type.type
    return f'repeated {scalar}' if field_type.is_array else scalar


def _comment_lines(comments: Sequence[str], indent: str) -> list[str]:
    lines: list[str] = []
    for comment in comments:
        lines.extend(f'{indent}// {line}'.rstrip() for line in comment.splitlines() or [''])
    return lines


def _render_constants(spec: MessageSpecification, own: bool) -> list[str]:
    """Render int32-sized integer constants as a nested enum, others as comments."""
    in_enum = [c for c in spec.constants
               if c.type in _SCALARS and c.type.startswith(('int', 'uint'))
               and c.value in _INT32_RANGE]
    lines = [f'  // const {c.type} {c.name} = {c.value!r}'
             for c in spec.constants if c not in in_enum]
    if not in_enum:
        return lines
    zero = next((c for c in in_enum if c.value == 0), None)
    ordered = ([zero] + [c for c in in_enum if c is not zero]) if zero else in_enum
    lines.append('  enum Constants {')
    if len({c.value for c in in_enum}) < len(in_enum):
        lines.append('    option allow_alias = true;')
    if zero is None:
        lines.append('    CONSTANTS_UNSPECIFIED = 0;  // proto3 needs a zero value; not in ROS')
    for constant in ordered:
        if own:
            lines.extend(_comment_lines(constant.annotations.get('comment', []), '    '))
        lines.append(f'    {constant.name} = {constant.value};')
    lines.append('  }')
    return lines


def _render_message(source: _Source) -> list[str]:
    spec = source.spec
    base = spec.base_type
    lines = _comment_lines(spec.annotations.get('comment', []), '') if source.own else []
    lines.append(f'// ROS type {base.pkg_name}/msg/{base.type}')
    lines.append(f'message {base.type} {{')
    lines.extend(_render_constants(spec, source.own))
    for number, field in enumerate(spec.fields, start=1):
        if source.own:
            lines.extend(_comment_lines(field.annotations.get('comment', []), '  '))
        proto_type = _field_type(field.type, f'{base.pkg_name}/{base.type}.{field.name}')
        lines.append(f'  {proto_type} {field.name} = {number};')
    lines.append('}')
    return lines


def render_proto(msg_dir: Path) -> str:
    """Return the proto3 text for every .msg in msg_dir and the types they use."""
    lines = [
        '// Generated by `python -m compound_eyes.proto.msg_to_proto` from',
        f'// {PACKAGE}/msg/*.msg. Do not edit; regenerate after changing a .msg.',
        '// Field numbers follow .msg declaration order; uint8[] becomes bytes.',
        'syntax = "proto3";',
        '',
        f'package {PROTO_PACKAGE};',
    ]
    for source in _load(msg_dir):
        lines.append('')
        lines.extend(_render_message(source))
    return '\n'.join(lines) + '\n'


def main(argv: Sequence[str] | None = None) -> int:
    """Write the .proto, or with --check report (exit 1, diff) when it is stale."""
    parser = argparse.ArgumentParser(prog='msg_to_proto', description=__doc__.splitlines()[0])
    parser.add_argument('--check', action='store_true',
                        help='do not write; exit 1 and print a diff when the file is stale')
    parser.add_argument('--msg-dir', type=Path, default=default_msg_dir(),
                        help='directory of the .msg files (default: %(default)s)')
    parser.add_argument('--output', type=Path, default=default_output(),
                        help='the .proto file to write or check (default: %(default)s)')
    args = parser.parse_args(argv)
    try:
        text = render_proto(args.msg_dir)
    except (FileNotFoundError, ValueError) as error:
        print(f'msg_to_proto: {error}', file=sys.stderr)
        return 2
    current = args.output.read_text() if args.output.is_file() else ''
    if args.check:
        if current == text:
            return 0
        sys.stdout.writelines(difflib.unified_diff(
            current.splitlines(keepends=True), text.splitlines(keepends=True),
            str(args.output), 'regenerated'))
        print(f'{args.output} is stale; run python -m compound_eyes.proto.msg_to_proto',
              file=sys.stderr)
        return 1
    if current != text:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        with shielded():    # a stop request waits: never a truncated .proto
            args.output.write_text(text)
    return 0


if __name__ == '__main__':
    sys.exit(main())
