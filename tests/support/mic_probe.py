"""Run in a child process whose HOME holds a virtual-microphone .asoundrc (ALSA reads its config
once, when PortAudio starts): capture `seconds` worth of samples, print what came through as JSON."""

from __future__ import annotations

import json
import sys
import threading
import time

import numpy as np

from streams.errors import SourceError
from streams.sources.microphone import MicrophoneSource, list_input_devices


def main(device: str, want_samples: int) -> None:
    chunks, done = [], threading.Event()

    def emit(chunk):
        if not done.is_set():
            chunks.append(chunk)
            if sum(len(c.samples) for c in chunks) >= want_samples:
                done.set()

    mic = MicrophoneSource(device)
    try:
        mic.start(emit, time.monotonic_ns)
    except SourceError as err:
        print(json.dumps({"error": str(err)}))
        return
    done.wait(10)
    mic.stop()
    samples = np.concatenate([c.samples for c in chunks])[:want_samples]
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    print(json.dumps({
        "devices": [d["name"] for d in list_input_devices()],
        "samples": int(len(samples)),
        "sample_rate": chunks[0].sample_rate,
        "peak_hz": float(np.argmax(spectrum) * chunks[0].sample_rate / len(samples)),
        "rms": float(np.sqrt(np.mean(samples.astype(np.float64) ** 2))),
        "seqs_contiguous": [c.seq for c in chunks] == list(range(len(chunks))),
        "stamps_monotonic": all(a.t_ns <= b.t_ns for a, b in zip(chunks, chunks[1:])),
    }))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
