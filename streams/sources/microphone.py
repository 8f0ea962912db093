"""A live microphone through PyAudio (PortAudio), delivered as 16 kHz mono pcm-s16 chunks.

PortAudio calls back on its own thread with each buffer. Stamps: the callback's
`input_buffer_adc_time` is on PortAudio's clock, not ours, so each chunk is stamped with the
pipeline clock at the callback minus the chunk's duration (the first sample was captured that
long ago). Between callbacks stamps advance by the sample count, so audio stays contiguous;
they are re-anchored to the clock when drift exceeds half a chunk (a stalled device).
A device at another rate (often 44.1 or 48 kHz) is opened at its own rate and resampled.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from streams.errors import SourceError
from streams.frames import NS_PER_S, AudioChunk
from streams.sources.base import Emit

PYAUDIO_HINT = "PyAudio is not installed: apt-get install portaudio19-dev && pip install 'glasses-agent[live]'"


@contextlib.contextmanager
def _quiet_stderr() -> Iterator[None]:
    """PortAudio prints pages of ALSA/JACK probe warnings on machines without a sound card."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _pyaudio():
    try:
        import pyaudio
    except ImportError:
        raise SourceError(PYAUDIO_HINT) from None
    return pyaudio


def list_input_devices() -> list[dict[str, Any]]:
    """Every device PortAudio can record from: index, name, channels, default rate."""
    pyaudio = _pyaudio()
    with _quiet_stderr():
        pa = pyaudio.PyAudio()
    try:
        devices = []
        for i in range(pa.get_device_count()):
            info = pa.get_device_info_by_index(i)
            if info.get("maxInputChannels", 0) > 0:
                devices.append({
                    "index": i,
                    "name": info["name"],
                    "channels": int(info["maxInputChannels"]),
                    "default_sample_rate": int(info["defaultSampleRate"]),
                })
        return devices
    finally:
        pa.terminate()


@dataclass
class MicrophoneStats:
    """What a microphone source has seen: chunks, samples, the device's rate, overflows, re-anchorings."""

    chunks: int = 0
    samples: int = 0
    device_rate: int = 0
    overflows: int = 0  # PortAudio reported input overflow (samples lost in the device)
    reanchors: int = 0


class _Resampler:
    """Device rate -> target rate, mono s16, keeping state across chunks (PyAV's swresample)."""

    def __init__(self, in_rate: int, out_rate: int) -> None:
        import av

        self.in_rate, self.out_rate = in_rate, out_rate
        self._av = av
        self._resampler = av.AudioResampler(format="s16", layout="mono", rate=out_rate)
        self._pts = 0

    def __call__(self, mono: np.ndarray) -> np.ndarray:
        if self.in_rate == self.out_rate:
            return mono
        frame = self._av.AudioFrame.from_ndarray(mono.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = self.in_rate
        frame.pts = self._pts
        self._pts += len(mono)
        out = [f.to_ndarray().reshape(-1) for f in self._resampler.resample(frame)]
        return np.concatenate(out).astype(np.int16) if out else np.zeros(0, np.int16)


class MicrophoneSource:
    """A live microphone through PortAudio, resampled to mono s16 at `sample_rate`, stamped at capture."""

    def __init__(
        self,
        device: str | int | None = None,
        *,
        name: str = "mic",
        sample_rate: int = 16_000,
        chunk_ms: int = 32,
    ) -> None:
        self.device = int(device) if isinstance(device, str) and device.isdigit() else device
        self.name = name
        self.sample_rate = sample_rate
        self.chunk_ms = chunk_ms
        self.stats = MicrophoneStats()
        self._pa = None
        self._stream = None
        self._lock = threading.Lock()

    def _find_device(self, pa) -> dict[str, Any]:
        inputs = []
        for i in range(pa.get_device_count()):
            info = pa.get_device_info_by_index(i)
            if info.get("maxInputChannels", 0) > 0:
                inputs.append(info)
        if not inputs:
            raise SourceError("microphone: no audio input devices found")
        if self.device is None:
            try:
                return pa.get_default_input_device_info()
            except OSError:
                return inputs[0]
        for info in inputs:
            if info["index"] == self.device or (
                isinstance(self.device, str) and self.device.lower() in info["name"].lower()
            ):
                return info
        names = ", ".join(f"{d['index']}: {d['name']}" for d in inputs)
        raise SourceError(f"microphone {self.device!r}: no such input device (available: {names})")

    def _open_rate(self, pa, info: dict[str, Any], pyaudio) -> int:
        """The requested rate if the device supports it, else the device's own."""
        try:
            if pa.is_format_supported(self.sample_rate, input_device=info["index"], input_channels=1,
                                      input_format=pyaudio.paInt16):
                return self.sample_rate
        except ValueError:
            pass
        return int(info["defaultSampleRate"])

    def start(self, emit: Emit, now_ns: Callable[[], int]) -> None:
        pyaudio = _pyaudio()
        with _quiet_stderr():
            self._pa = pyaudio.PyAudio()
            try:
                info = self._find_device(self._pa)
                rate = self._open_rate(self._pa, info, pyaudio)
                channels = 1 if int(info["maxInputChannels"]) >= 1 else 1
                frames_per_buffer = max(1, rate * self.chunk_ms // 1000)
                resample = _Resampler(rate, self.sample_rate)
                self.stats.device_rate = rate
                state = {"seq": 0, "next_ns": None}
                chunk_ns = frames_per_buffer * NS_PER_S // rate

                def callback(in_data, frame_count, time_info, status):
                    captured_end = now_ns()
                    if status & pyaudio.paInputOverflow:
                        self.stats.overflows += 1
                    mono = np.frombuffer(in_data, np.int16)
                    samples = resample(mono)
                    if len(samples):
                        start = captured_end - frame_count * NS_PER_S // rate
                        expected = state["next_ns"]
                        if expected is None or abs(start - expected) > chunk_ns // 2:
                            if expected is not None:
                                self.stats.reanchors += 1
                            expected = start
                        emit(AudioChunk(t_ns=expected, seq=state["seq"], source=self.name,
                                        samples=samples, sample_rate=self.sample_rate))
                        state["next_ns"] = expected + len(samples) * NS_PER_S // self.sample_rate
                        state["seq"] += 1
                        self.stats.chunks += 1
                        self.stats.samples += len(samples)
                    return (None, pyaudio.paContinue)

                self._stream = self._pa.open(
                    format=pyaudio.paInt16,
                    channels=channels,
                    rate=rate,
                    input=True,
                    input_device_index=info["index"],
                    frames_per_buffer=frames_per_buffer,
                    stream_callback=callback,
                )
            except OSError as err:
                self.stop()
                raise SourceError(f"microphone {self.device!r}: cannot open ({err})") from None
            except SourceError:
                self.stop()
                raise

    def stop(self) -> None:
        with self._lock:
            if self._stream is not None:
                with contextlib.suppress(OSError):
                    self._stream.stop_stream()
                    self._stream.close()
                self._stream = None
            if self._pa is not None:
                self._pa.terminate()
                self._pa = None
