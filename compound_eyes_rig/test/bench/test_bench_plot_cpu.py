import subprocess
import sys

import numpy as np

from compound_eyes_rig.bench.cpu import CpuSampler
from compound_eyes_rig.bench.plot import plot_run


def test_plot_writes_png(tmp_path):
    times = np.linspace(0, 10, 300)
    ours = np.abs(np.random.default_rng(1).normal(50, 20, 300))
    out = plot_run(tmp_path / 'run.png', times, ours,
                   baseline_error_us=np.full(300, 8000.0), lock_time_s=2.0,
                   disturbance_times_s=[5.0, 7.5], title='synthetic')
    assert out.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


def test_cpu_sampler_sees_busy_child_and_idle_process():
    busy = subprocess.Popen([sys.executable, '-c',
                             'import subprocess,sys;subprocess.run([sys.executable,"-c",'
                             '"import time\\nt=time.time()\\nwhile time.time()-t<1.5: pass"])'])
    idle = subprocess.Popen(['sleep', '3'])
    try:
        sampler = CpuSampler({'busy': [busy.pid], 'idle': [idle.pid]})
        sampler.start()
        subprocess.run(['sleep', '1.0'], check=True)
        cpu = sampler.stop()
    finally:
        busy.kill()
        idle.kill()
        busy.wait()
        idle.wait()
    assert cpu['busy'] > 20  # the grandchild spins; loose bound, cores are shared
    assert cpu['idle'] < 20
