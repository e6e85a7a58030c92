"""Calibration files in camera_calibration's layout: read, checked field by field, saved."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from compound_eyes.calibration.camera_info_file import (
    Calibration,
    CalibrationFileError,
    load,
    load_for,
    save,
)

# The layout camera_calibration's cameracalibrator commits (values of a 640x480 camera).
WRITTEN_BY_CAMERACALIBRATOR = """\
image_width: 640
image_height: 480
camera_name: cam0
camera_matrix:
  rows: 3
  cols: 3
  data: [612.3, 0, 320.5, 0, 611.9, 240.2, 0, 0, 1]
distortion_model: plumb_bob
distortion_coefficients:
  rows: 1
  cols: 5
  data: [-0.21, 0.04, 0.001, -0.0005, 0]
rectification_matrix:
  rows: 3
  cols: 3
  data: [1, 0, 0, 0, 1, 0, 0, 0, 1]
projection_matrix:
  rows: 3
  cols: 4
  data: [590.1, 0, 321.0, 0, 0, 601.7, 241.3, 0, 0, 0, 1, 0]
"""


@pytest.fixture
def calibrated_file(tmp_path: Path) -> Path:
    path = tmp_path / 'cam0.yaml'
    path.write_text(WRITTEN_BY_CAMERACALIBRATOR)
    return path


def test_reads_what_cameracalibrator_writes(calibrated_file):
    calibration = load(calibrated_file)
    assert (calibration.camera_name, calibration.width, calibration.height) == ('cam0', 640, 480)
    assert calibration.camera_matrix[0] == pytest.approx(612.3)
    assert calibration.distortion_model == 'plumb_bob'
    assert len(calibration.distortion) == 5
    assert calibration.projection[2] == pytest.approx(321.0)
    assert calibration.calibrated


def test_save_then_load_gives_the_same_calibration(tmp_path, calibrated_file):
    original = load(calibrated_file)
    target = tmp_path / 'nested' / 'camera_info' / 'cam0.yaml'
    save(target, original)
    assert load(target) == original
    assert list(target.parent.iterdir()) == [target]   # no temporary left behind
    assert yaml.safe_load(target.read_text())['distortion_coefficients']['cols'] == 5


@pytest.mark.parametrize('edit, field', [
    (lambda d: d.update(image_width=0), 'image_width'),
    (lambda d: d.update(camera_name=7), 'camera_name'),
    (lambda d: d['camera_matrix'].update(rows=2), 'camera_matrix'),
    (lambda d: d['projection_matrix']['data'].pop(), 'projection_matrix'),
    (lambda d: d['distortion_coefficients'].update(data=['x']), 'distortion_coefficients'),
    (lambda d: d['rectification_matrix']['data'].__setitem__(0, float('nan')),
     'rectification_matrix'),
    (lambda d: d.pop('camera_matrix'), 'camera_matrix'),
])
def test_a_bad_field_is_named_with_the_file(tmp_path, edit, field):
    document = yaml.safe_load(WRITTEN_BY_CAMERACALIBRATOR)
    edit(document)
    path = tmp_path / 'bad.yaml'
    path.write_text(yaml.safe_dump(document))
    with pytest.raises(CalibrationFileError, match=field) as raised:
        load(path)
    assert str(path) in str(raised.value)


@pytest.mark.parametrize('content, problem', [
    (None, 'no such file'), ('a: [', 'not valid YAML'), ('- 1\n- 2\n', 'mapping')])
def test_missing_or_broken_files_give_an_uncalibrated_camera_and_one_line(
        tmp_path, content, problem):
    path = tmp_path / 'cam0.yaml'
    if content is not None:
        path.write_text(content)
    calibration, warning = load_for(path, 'cam0', 320, 240)
    assert calibration == Calibration('cam0', 320, 240)
    assert not calibration.calibrated
    assert problem in warning and str(path) in warning and '\n' not in warning


def test_a_file_for_another_image_size_is_not_applied(calibrated_file):
    calibration, warning = load_for(calibrated_file, 'cam0', 320, 240)
    assert not calibration.calibrated
    assert '640x480' in warning and '320x240' in warning


def test_a_matching_file_is_used_without_warning(calibrated_file):
    calibration, warning = load_for(calibrated_file, 'cam0', 640, 480)
    assert calibration.calibrated and warning == ''
