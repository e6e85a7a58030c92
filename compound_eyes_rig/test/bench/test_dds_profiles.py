"""Benchmark profile variants are the shipped profile with one value changed."""
from __future__ import annotations

import xml.etree.ElementTree as ET

from compound_eyes.nodes.dds_profile import PROFILE_VARIABLE, shipped_profile
from compound_eyes_rig.bench.dds_profiles import (
    profile_env,
    with_shm_segment,
    with_udp_max_message_size,
)


def _elements(path):
    return [(e.tag, (e.text or '').strip()) for e in ET.parse(path).iter()]


def test_segment_variant_changes_only_the_segment_size(tmp_path):
    variant = with_shm_segment(tmp_path / 'variant.xml', 524288)
    shipped, derived = _elements(shipped_profile()), _elements(variant)
    changed = [(a, b) for a, b in zip(shipped, derived, strict=True) if a != b]
    assert [(a[0].split('}')[1], b[1]) for a, b in changed] == [('segment_size', '524288')]


def test_profile_env_defaults_to_the_shipped_file(tmp_path):
    assert profile_env() == {PROFILE_VARIABLE: str(shipped_profile())}
    assert profile_env(tmp_path / 'x.xml') == {PROFILE_VARIABLE: str(tmp_path / 'x.xml')}


def test_udp_message_size_variant_adds_only_that_setting(tmp_path):
    variant = with_udp_max_message_size(tmp_path / 'variant.xml', 8972)
    shipped, derived = _elements(shipped_profile()), _elements(variant)
    added = [e for e in derived if e not in shipped]
    assert [(tag.split('}')[1], text) for tag, text in added] == [('maxMessageSize', '8972')]
    assert len(derived) == len(shipped) + 1
