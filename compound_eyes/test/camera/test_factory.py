"""create_source: ids and options from YAML to unopened, picklable sources."""
from __future__ import annotations

import functools
import multiprocessing
import pickle

import pytest

from compound_eyes.camera.factory import create_source
from compound_eyes.camera.opencv_source import OpenCvCamera
from compound_eyes.camera.synthetic import SyntheticCamera
from compound_eyes.camera.timecode import decode
from compound_eyes.clock.synced import SyncedClock


def test_synthetic_ids_select_model_and_label():
    source = create_source('synthetic:freerun:left', {'fps': 60, 'drift_ppm': 12.5})
    assert isinstance(source, SyntheticCamera)
    assert (source.config.model, source.config.label, source.config.fps) == (
        'freerun', 'left', 60)
    assert create_source('synthetic').config.model == 'triggered'
    assert create_source('synthetic', {'model': 'freerun'}).config.model == 'freerun'


def test_other_ids_select_opencv():
    source = create_source('/dev/video0', {'width': 1280, 'height': 720, 'fourcc': 'MJPG'})
    assert isinstance(source, OpenCvCamera)
    assert source.config.fourcc == 'MJPG'


@pytest.mark.parametrize('camera_id, options, words', [
    ('synthetic:triggered', {'fsp': 30}, ['synthetic:triggered', "'fsp'"]),
    ('0', {'latency_ns': 5}, ['camera 0', "'latency_ns'"]),
    ('synthetic:slowmo', {}, ['synthetic:slowmo', 'slowmo']),
    ('synthetic:freerun', {'model': 'triggered'}, ['synthetic:freerun', 'model']),
    ('synthetic', {'width': 'wide'}, ['camera synthetic', 'width']),
    ('', {}, ['camera_id']),
])
def test_bad_ids_and_options_name_camera_and_key(camera_id, options, words):
    with pytest.raises(ValueError) as caught:
        create_source(camera_id, options)
    for word in words:
        assert word in str(caught.value)


def _grab_truth(make_source, queue) -> None:
    source = make_source()
    source.open()
    queue.put(decode(source.grab(SyncedClock()).image))
    source.close()


def test_factory_and_unopened_source_cross_a_spawned_process():
    make_source = functools.partial(create_source, 'synthetic:triggered:remote',
                                    {'width': 320, 'height': 240})
    assert pickle.loads(pickle.dumps(make_source())).label == 'remote'
    context = multiprocessing.get_context('spawn')
    queue = context.Queue()
    child = context.Process(target=_grab_truth, args=(make_source, queue))
    child.start()
    try:
        assert queue.get(timeout=60) is not None
    finally:
        child.join(timeout=30)
    assert child.exitcode == 0
