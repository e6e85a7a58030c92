"""The checked-in compound_eyes.proto is what the generator makes of the current .msg files."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from compound_eyes.proto.msg_to_proto import default_msg_dir, default_output, main, render_proto


def test_checked_in_proto_matches_the_msg_files():
    rendered = render_proto(default_msg_dir())
    assert default_output().read_text() == rendered, (
        'compound_eyes_msgs/proto/compound_eyes.proto is stale; '
        'run python -m compound_eyes.proto.msg_to_proto')


def test_rendering_is_deterministic():
    assert render_proto(default_msg_dir()) == render_proto(default_msg_dir())


def test_check_flags_a_changed_msg_and_writing_fixes_it(tmp_path: Path, capsys):
    msg_dir = tmp_path / 'msg'
    shutil.copytree(default_msg_dir(), msg_dir)
    output = tmp_path / 'compound_eyes.proto'
    shutil.copy(default_output(), output)
    args = ['--msg-dir', str(msg_dir), '--output', str(output)]
    assert main([*args, '--check']) == 0

    with (msg_dir / 'PhaseDelay.msg').open('a') as msg:
        msg.write('float32 confidence  # new field\n')
    assert main([*args, '--check']) == 1
    assert '+  float confidence = ' in capsys.readouterr().out

    assert main(args) == 0
    assert main([*args, '--check']) == 0


def test_missing_msg_dir_is_a_clear_error(tmp_path: Path, capsys):
    assert main(['--msg-dir', str(tmp_path / 'nowhere'), '--check']) == 2
    assert 'nowhere' in capsys.readouterr().err


def test_cli_module_runs():
    result = subprocess.run([sys.executable, '-m', 'compound_eyes.proto.msg_to_proto', '--check'],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
