"""The recorder's readers take the shipped profile's memory policy, a user's profile stays whole.

rmw_fastrtps lets a profile's history memory policies through only with
RMW_FASTRTPS_USE_QOS_FROM_XML=1; the recorder asks for it (readers that free each payload,
bounded under a flood), and only while the shipped profile is the one in use.
"""
from __future__ import annotations

import os

import pytest

from compound_eyes.nodes.dds_profile import (
    PROFILE_VARIABLE,
    QOS_FROM_PROFILE_VARIABLE,
    shipped_profile,
    use_large_frame_profile,
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv(PROFILE_VARIABLE, raising=False)
    monkeypatch.delenv(QOS_FROM_PROFILE_VARIABLE, raising=False)
    return monkeypatch


def test_recorder_readers_use_the_shipped_profiles_policy(clean_env):
    use_large_frame_profile(readers_sized_per_sample=True)
    assert os.environ[PROFILE_VARIABLE] == str(shipped_profile())
    assert os.environ[QOS_FROM_PROFILE_VARIABLE] == '1'


def test_shipped_profile_set_by_a_parent_still_counts(clean_env):
    clean_env.setenv(PROFILE_VARIABLE, str(shipped_profile()))
    use_large_frame_profile(readers_sized_per_sample=True)
    assert os.environ[QOS_FROM_PROFILE_VARIABLE] == '1'


def test_other_nodes_keep_rmws_policies(clean_env):
    use_large_frame_profile()
    assert QOS_FROM_PROFILE_VARIABLE not in os.environ


def test_a_users_profile_and_choice_are_kept(clean_env, tmp_path):
    clean_env.setenv(PROFILE_VARIABLE, str(tmp_path / 'mine.xml'))
    use_large_frame_profile(readers_sized_per_sample=True)
    assert os.environ[PROFILE_VARIABLE] == str(tmp_path / 'mine.xml')
    assert QOS_FROM_PROFILE_VARIABLE not in os.environ
    clean_env.setenv(PROFILE_VARIABLE, str(shipped_profile()))
    clean_env.setenv(QOS_FROM_PROFILE_VARIABLE, '0')
    use_large_frame_profile(readers_sized_per_sample=True)
    assert os.environ[QOS_FROM_PROFILE_VARIABLE] == '0'
