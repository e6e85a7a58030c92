"""camera_info_url resolution: file://, package://, the ROS_HOME default, bad forms named."""
from __future__ import annotations

from pathlib import Path

import pytest

from compound_eyes.calibration.url import CalibrationUrlError, resolve, ros_home


def test_the_default_lives_in_ros_home(tmp_path):
    env = {'ROS_HOME': str(tmp_path)}
    assert resolve('', 'cam0', env) == tmp_path / 'camera_info' / 'cam0.yaml'


def test_ros_home_defaults_to_dot_ros_in_home(tmp_path):
    assert ros_home({'HOME': str(tmp_path)}) == tmp_path / '.ros'


def test_file_urls_substitute_the_name(tmp_path):
    assert resolve(f'file://{tmp_path}/${{NAME}}.yaml', 'left', {}) == tmp_path / 'left.yaml'


def test_package_urls_point_into_the_share_folder():
    path = resolve('package://compound_eyes/config/cam0.yaml', 'cam0')
    assert path.parts[-3:] == ('compound_eyes', 'config', 'cam0.yaml')
    assert (path.parent / 'client.yaml').exists()


@pytest.mark.parametrize('url, problem', [
    ('http://example.invalid/cam.yaml', 'only file:// and package://'),
    ('file://relative/cam.yaml', 'absolute path'),
    ('package://no_such_package_here/cam.yaml', 'not installed'),
    ('package://compound_eyes', 'package://<package>/<path>'),
])
def test_unusable_urls_are_refused_by_name(url, problem):
    with pytest.raises(CalibrationUrlError, match=problem) as raised:
        resolve(url, 'cam0', {'ROS_HOME': '/tmp'})
    assert url in str(raised.value)


@pytest.mark.parametrize('name', ['', 'cam 0', 'cam/0', '../x'])
def test_camera_names_that_cannot_be_file_names_are_refused(name):
    with pytest.raises(CalibrationUrlError, match='camera_name'):
        resolve('', name, {'ROS_HOME': str(Path('/tmp'))})
