"""The keygen verb writes a key the command signer accepts, and never replaces one."""
from __future__ import annotations

from compound_eyes.cli.main import main
from compound_eyes.phase.command_auth import MIN_KEY_BYTES, load_key


def test_the_keygen_verb_writes_a_loadable_key_once(tmp_path):
    path = tmp_path / 'rig.key'
    assert main(['keygen', str(path)]) == 0
    assert len(load_key(path)) >= MIN_KEY_BYTES
    before = path.read_bytes()
    assert main(['keygen', str(path)]) == 1     # never replaces a key in use
    assert path.read_bytes() == before
