"""The live microphone path, through real PyAudio/PortAudio/ALSA, from a virtual input device.

The device is ALSA's `file` plugin reading a generated sine, declared in an .asoundrc under a
temporary HOME (never the user's own). It is not paced (it delivers as fast as it is read), so
the test checks what came through, not timing.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pyaudio = pytest.importorskip("pyaudio", reason="PyAudio is not installed (make setup installs it)")

from streams.sources.microphone import _Resampler  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def virtual_mic_home(tmp_path: Path, rate: int = 16_000, hz: float = 440.0) -> Path:
    t = np.arange(rate * 3) / rate
    raw = tmp_path / f"sine{rate}.raw"
    (np.sin(2 * np.pi * hz * t) * 8000).astype("<i2").tofile(raw)
    (tmp_path / ".asoundrc").write_text(
        "pcm.glasses_vmic {\n"
        "  type file\n"
        '  slave.pcm "null"\n'
        '  file "/dev/null"\n'
        f'  infile "{raw}"\n'
        '  format "raw"\n'
        "}\n"
    )
    return tmp_path


def probe(home: Path, device: str, samples: int) -> dict:
    env = {**os.environ, "HOME": str(home), "PYTHONPATH": str(REPO)}
    out = subprocess.run(
        [sys.executable, "-m", "tests.support.mic_probe", device, str(samples)],
        capture_output=True, text=True, env=env, cwd=REPO, timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.live
def test_real_samples_arrive_through_pyaudio_from_a_virtual_device(tmp_path):
    result = probe(virtual_mic_home(tmp_path), "glasses_vmic", 16_000)
    assert "glasses_vmic" in result["devices"]
    assert result["samples"] == 16_000 and result["sample_rate"] == 16_000
    assert abs(result["peak_hz"] - 440.0) <= 2.0, "the sine written into the device comes out"
    assert result["rms"] > 4000
    assert result["seqs_contiguous"] and result["stamps_monotonic"]


@pytest.mark.live
def test_unknown_device_is_one_clear_line(tmp_path):
    result = probe(virtual_mic_home(tmp_path), "no-such-mic", 1000)
    assert result["error"].startswith("microphone 'no-such-mic': no such input device (available:")
    assert "glasses_vmic" in result["error"] and "\n" not in result["error"]


def test_a_48k_device_is_resampled_to_16k_keeping_pitch_and_duration():
    rate = 48_000
    t = np.arange(rate * 2) / rate
    sine = (np.sin(2 * np.pi * 1000 * t) * 8000).astype(np.int16)
    resample = _Resampler(rate, 16_000)
    # Fed in device-sized buffers, as the callback does; state carries across them.
    out = np.concatenate([resample(sine[i : i + 1536]) for i in range(0, len(sine), 1536)])
    assert abs(len(out) - 32_000) <= 64
    spectrum = np.abs(np.fft.rfft(out[:16_000] * np.hanning(16_000)))
    assert abs(np.argmax(spectrum) - 1000) <= 2
