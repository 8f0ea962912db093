"""A media file (video with or without audio, or audio alone) plus an optional IMU CSV as a
replayable `FrameSource`.

Decoding streams: each track is decoded by its own generator over its own demuxer and the
generators are merged by time, so memory stays at a few frames whatever the clip's length.

One timeline: timestamps come from the container's pts, relative to the earliest start of the
tracks used in that file, so an A/V offset written in the file is kept (box.mp4's audio starts
67 ms after its video). An IMU CSV counts from the clip's start, i.e. the same zero.
Audio is resampled to mono pcm-s16 and cut into fixed chunks stamped from the first audio pts
plus the samples before them, so the chunks tile time without gaps or jitter.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from streams.errors import SourceError
from streams.frames import NS_PER_S, AudioChunk, Frame, ImuSample, VideoFrame
from streams.sources.base import merge_by_time
from streams.sources.capture_date import capture_start
from streams.sources.imu_csv import read_imu_csv

# The files this source reads, by suffix: one list for every part that looks for media in a folder.
VIDEO_SUFFIXES = frozenset({".mp4", ".avi", ".mov", ".mkv", ".webm", ".gif"})
MEDIA_SUFFIXES = VIDEO_SUFFIXES | {".wav", ".ogg", ".oga", ".flac", ".mp3"}

CAMERA, MIC, IMU = "camera", "mic", "imu"


@dataclass(frozen=True)
class _Track:
    """What probing found about one track, enough to describe it and to decode it again."""

    path: Path
    index: int  # stream index in its container
    origin_ns: int  # the container's zero: earliest start among the tracks used from this file
    start_ns: int  # this track's start relative to origin_ns
    codec: str
    duration_s: float | None
    # video
    fps: float | None = None
    width: int = 0
    height: int = 0
    frames: int = 0  # from the container header; 0 where it does not say
    # audio
    sample_rate: int = 0
    channels: int = 0


def _to_ns(value: int, time_base: Fraction) -> int:
    return round(value * time_base * NS_PER_S)


def _check_file(path: Path, what: str) -> None:
    if not path.exists():
        raise SourceError(f"{path}: no such {what} file")
    if not path.is_file():
        raise SourceError(f"{path}: not a file")


def _open(path: Path) -> Any:
    import av

    try:
        return av.open(str(path))
    except av.FFmpegError as err:
        raise SourceError(f"{path}: not a readable media file ({err.strerror or type(err).__name__})") from None
    except OSError as err:
        raise SourceError(f"{path}: cannot open: {err.strerror or err}") from None


def _usable_video(container: Any) -> Any | None:
    for stream in container.streams.video:
        ctx = stream.codec_context
        if ctx is not None and ctx.width > 0 and ctx.height > 0:
            return stream
    return None


def _usable_audio(container: Any) -> Any | None:
    for stream in container.streams.audio:
        ctx = stream.codec_context
        if ctx is not None and (stream.rate or 0) > 0 and ctx.channels > 0:
            return stream
    return None


def _stream_start_ns(stream: Any, container: Any) -> int:
    if stream.start_time is not None:
        return _to_ns(stream.start_time, stream.time_base)
    if container.start_time is not None:  # in microseconds (AV_TIME_BASE)
        return int(container.start_time) * 1000
    return 0


def _stream_duration_s(stream: Any, container: Any) -> float | None:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000
    return None


def _probe(path: Path, *, want_video: bool, want_audio: bool) -> tuple[_Track | None, _Track | None, str | None]:
    """The first usable video and/or audio track of `path`, sharing the file's zero, and the
    container's `creation_time` if it says."""
    container = _open(path)
    try:
        created = (container.metadata or {}).get("creation_time")
        video = _usable_video(container) if want_video else None
        audio = _usable_audio(container) if want_audio else None
        starts = {s.index: _stream_start_ns(s, container) for s in (video, audio) if s is not None}
        origin = min(starts.values(), default=0)
        v_track = a_track = None
        if video is not None:
            ctx = video.codec_context
            rate = video.average_rate or video.guessed_rate or video.base_rate
            v_track = _Track(
                path=path, index=video.index, origin_ns=origin, start_ns=starts[video.index] - origin,
                codec=ctx.name, duration_s=_stream_duration_s(video, container),
                fps=float(rate) if rate else None, width=ctx.width, height=ctx.height, frames=int(video.frames or 0),
            )
        if audio is not None:
            a_track = _Track(
                path=path, index=audio.index, origin_ns=origin, start_ns=starts[audio.index] - origin,
                codec=audio.codec_context.name, duration_s=_stream_duration_s(audio, container),
                sample_rate=int(audio.rate), channels=int(audio.codec_context.channels),
            )
        return v_track, a_track, created
    finally:
        container.close()


def fit_size(width: int, height: int, max_size: int | tuple[int, int] | None) -> tuple[int, int]:
    """(width, height) scaled down, aspect kept, to fit `max_size` (longest side, or a (w, h) box)."""
    if max_size is None:
        return width, height
    box_w, box_h = (max_size, max_size) if isinstance(max_size, int) else max_size
    scale = min(box_w / width, box_h / height)
    if scale >= 1.0:
        return width, height
    return max(1, round(width * scale)), max(1, round(height * scale))


class MediaFileSource:
    """Frames "camera" (RGB uint8), "mic" (mono s16 chunks) and "imu" from files.

    `video_path` may hold video and audio, video only, or audio only. `audio_path` takes the audio
    from another file instead (wav, ogg/oga, flac, mp3, or any container PyAV reads); its zero is
    its own start. `max_size` (longest side in pixels, or a (w, h) box) downsizes larger frames.
    Opening probes the files, so a bad path fails here with one line, not mid-replay.
    `wall_clock_start_ns` is the capture date of the first frame and `wall_clock_start_from` says
    where it came from (the container's creation_time, else the file's modification time).
    """

    def __init__(
        self,
        video_path: str | Path | None,
        *,
        audio_path: str | Path | None = None,
        imu_csv: str | Path | None = None,
        sample_rate: int = 16_000,
        audio_chunk_ms: int = 100,
        max_size: int | tuple[int, int] | None = None,
    ) -> None:
        if sample_rate <= 0:
            raise SourceError(f"sample_rate must be positive, got {sample_rate}")
        if audio_chunk_ms <= 0:
            raise SourceError(f"audio_chunk_ms must be positive, got {audio_chunk_ms}")
        if max_size is not None and min((max_size,) if isinstance(max_size, int) else max_size) <= 0:
            raise SourceError(f"max_size must be positive, got {max_size}")
        if video_path is None and audio_path is None:
            raise SourceError("a media file source needs a video or an audio file")
        self.video_path = Path(video_path) if video_path is not None else None
        self.audio_path = Path(audio_path) if audio_path is not None else None
        self.imu_path = Path(imu_csv) if imu_csv is not None else None
        self.sample_rate = int(sample_rate)
        self.audio_chunk_ms = audio_chunk_ms
        # Whole samples per chunk; stamps are computed from sample counts, so rounding never drifts.
        self.chunk_samples = max(1, round(self.sample_rate * audio_chunk_ms / 1000))
        self.max_size = max_size

        self._video: _Track | None = None
        self._audio: _Track | None = None
        created: str | None = None
        if self.video_path is not None:
            _check_file(self.video_path, "media")
            self._video, self._audio, created = _probe(self.video_path, want_video=True,
                                                       want_audio=self.audio_path is None)
        if self.audio_path is not None:
            _check_file(self.audio_path, "audio")
            _, self._audio, audio_created = _probe(self.audio_path, want_video=False, want_audio=True)
            created = created if self.video_path is not None else audio_created
            if self._audio is None:
                raise SourceError(f"{self.audio_path}: no audio track")
        if self._video is None and self._audio is None:
            raise SourceError(f"{self.video_path}: no video or audio track")
        # The IMU file is small (~200 Hz); reading it now reports its errors at open time.
        self._imu: list[ImuSample] = read_imu_csv(self.imu_path, source=IMU) if self.imu_path is not None else []
        # The capture date is the video's (the audio's when there is no video): a recording
        # imported from these files starts there, not on the day of the import.
        self.wall_clock_start_ns, self.wall_clock_start_from = capture_start(self.video_path or self.audio_path,
                                                                             created)

    # -- FrameSource ---------------------------------------------------------------------------

    def frames(self) -> Iterator[Frame]:
        streams: list[Iterator[Frame]] = []
        if self._video is not None:
            streams.append(self._video_frames(self._video))
        if self._audio is not None:
            streams.append(self._audio_chunks(self._audio))
        if self._imu:
            streams.append(iter(self._imu))
        return merge_by_time(streams)

    def describe(self) -> dict[str, Any]:
        v, a = self._video, self._audio
        out_w, out_h = fit_size(v.width, v.height, self.max_size) if v else (0, 0)
        ends = [t.start_ns / NS_PER_S + t.duration_s for t in (v, a) if t is not None and t.duration_s is not None]
        if self._imu:
            ends.append(self._imu[-1].t_ns / NS_PER_S)
        info: dict[str, Any] = {
            "path": str(self.video_path or self.audio_path),
            "format": "media",
            "streams": self.stream_names,
            "fps": v.fps if v else None,
            "width": out_w,
            "height": out_h,
            "sample_rate": self.sample_rate if a else None,
            "duration_s": max(ends, default=0.0),
            "frames": {name: n for name, n in ((CAMERA, v.frames if v else 0), (IMU, len(self._imu))) if n},
            "wall_clock_start_ns": self.wall_clock_start_ns,
            "wall_clock_start_from": self.wall_clock_start_from,
        }
        if v:
            info[CAMERA] = {"path": str(v.path), "codec": v.codec, "fps": v.fps, "source_size": [v.width, v.height],
                            "size": [out_w, out_h], "frames": v.frames, "start_s": v.start_ns / NS_PER_S}
        if a:
            info[MIC] = {"path": str(a.path), "codec": a.codec, "source_sample_rate": a.sample_rate,
                         "source_channels": a.channels, "sample_rate": self.sample_rate,
                         "chunk_ms": self.chunk_samples * 1000 / self.sample_rate, "start_s": a.start_ns / NS_PER_S}
        if self._imu:
            info[IMU] = {"path": str(self.imu_path), "samples": len(self._imu)}
        return info

    @property
    def stream_names(self) -> list[str]:
        return [name for name, present in ((CAMERA, self._video), (MIC, self._audio), (IMU, self._imu)) if present]

    # -- decoding ------------------------------------------------------------------------------

    def _video_frames(self, track: _Track) -> Iterator[VideoFrame]:
        import av

        container = _open(track.path)
        try:
            stream = container.streams[track.index]
            stream.thread_type = "AUTO"  # frame threads: decoding is the cost of replaying a clip
            tb = stream.time_base
            frame_ns = round(NS_PER_S / track.fps) if track.fps else NS_PER_S // 30
            last_ns: int | None = None
            seq = 0
            try:
                for frame in container.decode(stream):
                    if frame.pts is not None:
                        t_ns = _to_ns(frame.pts, tb) - track.origin_ns
                    else:  # no pts (some raw streams): one frame interval after the last
                        t_ns = track.start_ns if last_ns is None else last_ns + frame_ns
                    # Frames must not go back in time, even in a file with broken pts.
                    t_ns = max(t_ns, 0 if last_ns is None else last_ns)
                    last_ns = t_ns
                    w, h = fit_size(frame.width, frame.height, self.max_size)
                    if (w, h) != (frame.width, frame.height):
                        image = frame.to_ndarray(width=w, height=h, format="rgb24", interpolation="AREA")
                    else:
                        image = frame.to_ndarray(format="rgb24")
                    yield VideoFrame(t_ns=t_ns, seq=seq, source=CAMERA, image=np.ascontiguousarray(image))
                    seq += 1
            except av.FFmpegError as err:
                raise SourceError(f"{track.path}: video decoding failed after {seq} frames: {err.strerror or err}") from None
        finally:
            container.close()

    def _audio_chunks(self, track: _Track) -> Iterator[AudioChunk]:
        import av

        container = _open(track.path)
        try:
            stream = container.streams[track.index]
            tb = stream.time_base
            resampler = av.AudioResampler(format="s16", layout="mono", rate=self.sample_rate)
            n = self.chunk_samples
            pending = np.zeros(0, np.int16)
            start_ns: int | None = None
            seq = 0

            def chunk_at(k: int, samples: np.ndarray) -> AudioChunk:
                # From the sample count, not from each packet's pts: chunks tile time exactly.
                t_ns = start_ns + k * n * NS_PER_S // self.sample_rate  # type: ignore[operator]
                return AudioChunk(t_ns=t_ns, seq=k, source=MIC, samples=samples, sample_rate=self.sample_rate)

            def take_full() -> Iterator[AudioChunk]:
                nonlocal pending, seq
                while len(pending) >= n:
                    yield chunk_at(seq, pending[:n].copy())
                    pending = pending[n:]
                    seq += 1

            try:
                for frame in container.decode(stream):
                    if start_ns is None:
                        start_ns = max(0, _to_ns(frame.pts, tb) - track.origin_ns) if frame.pts is not None else track.start_ns
                    for out in resampler.resample(frame):
                        pending = np.concatenate([pending, out.to_ndarray().reshape(-1).astype(np.int16, copy=False)])
                    yield from take_full()
                if start_ns is None:
                    return  # the track had no audio frames at all
                for out in resampler.resample(None):  # flush what the resampler still holds
                    pending = np.concatenate([pending, out.to_ndarray().reshape(-1).astype(np.int16, copy=False)])
                yield from take_full()
                if len(pending):
                    yield chunk_at(seq, pending.copy())  # the tail, shorter than a chunk
            except av.FFmpegError as err:
                raise SourceError(f"{track.path}: audio decoding failed after {seq} chunks: {err.strerror or err}") from None
        finally:
            container.close()
