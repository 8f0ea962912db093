"""MediaFileSource and read_imu_csv: small files made here, the shared gopro clip, bad input."""

from __future__ import annotations

import itertools
import wave
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from streams.errors import SourceError
from streams.frames import NS_PER_S, AudioChunk, ImuSample, VideoFrame
from streams.sources.base import frame_order_key
from streams.sources.imu_csv import IMU_CSV_HEADER, read_imu_csv
from streams.sources.media_file import MediaFileSource

# -- files made on the spot --------------------------------------------------------------------


def write_mp4(path: Path, *, frames: int = 20, fps: int = 10, audio_s: float | None = 2.0,
              audio_offset_s: float = 0.0) -> Path:
    """A 64x48 MPEG-4 clip (red background, a white square moving right) with optional
    stereo 48 kHz AAC of a 440 Hz tone starting `audio_offset_s` into the file."""
    import av

    out = av.open(str(path), "w")
    video = out.add_stream("mpeg4", rate=fps)
    video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
    audio = None
    if audio_s is not None:
        audio = out.add_stream("aac", rate=48_000)
        audio.layout = "stereo"
    for i in range(frames):
        image = np.zeros((48, 64, 3), np.uint8)
        image[:, :, 0] = 200
        image[10:20, 2 * i:2 * i + 10] = 255
        frame = av.VideoFrame.from_ndarray(image, format="rgb24")
        frame.pts, frame.time_base = i, Fraction(1, fps)
        for packet in video.encode(frame):
            out.mux(packet)
    for packet in video.encode():
        out.mux(packet)
    if audio is not None:
        t = np.arange(int(48_000 * audio_s)) / 48_000
        tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
        start = int(audio_offset_s * 48_000)
        for pos in range(0, len(tone), 1024):
            block = tone[pos:pos + 1024]
            frame = av.AudioFrame.from_ndarray(np.stack([block, block]), format="fltp", layout="stereo")
            frame.sample_rate, frame.pts, frame.time_base = 48_000, start + pos, Fraction(1, 48_000)
            for packet in audio.encode(frame):
                out.mux(packet)
        for packet in audio.encode():
            out.mux(packet)
    out.close()
    return path


def write_wav(path: Path, *, seconds: float = 1.0, rate: int = 22_050, freq: float = 440.0) -> Path:
    t = np.arange(int(rate * seconds)) / rate
    pcm = np.rint(0.5 * 32767 * np.sin(2 * np.pi * freq * t)).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())
    return path


def write_imu(path: Path, rows: list[str], header: str = ",".join(IMU_CSV_HEADER)) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def by_source(frames) -> dict[str, list]:
    out: dict[str, list] = {}
    for frame in frames:
        out.setdefault(frame.source, []).append(frame)
    return out


# -- small generated files ---------------------------------------------------------------------


def test_mp4_with_audio_decodes_both_tracks_on_one_timeline(tmp_path: Path) -> None:
    source = MediaFileSource(write_mp4(tmp_path / "clip.mp4"))
    frames = list(source.frames())
    assert [frame_order_key(f) for f in frames] == sorted(frame_order_key(f) for f in frames)
    streams = by_source(frames)
    assert set(streams) == {"camera", "mic"}

    camera = streams["camera"]
    assert len(camera) == 20
    assert [f.t_ns for f in camera] == [i * NS_PER_S // 10 for i in range(20)]
    assert [f.seq for f in camera] == list(range(20))
    first = camera[0]
    assert isinstance(first, VideoFrame) and first.image.dtype == np.uint8 and first.image.shape == (48, 64, 3)
    # RGB, not BGR: the background was drawn red.
    assert first.image[40, 40, 0] > 150 and first.image[40, 40, 2] < 60

    mic = streams["mic"]
    assert all(isinstance(c, AudioChunk) and c.sample_rate == 16_000 and c.samples.dtype == np.int16 for c in mic)
    assert all(len(c.samples) == 1600 for c in mic[:-1])
    # Contiguous: each chunk starts where the one before ended.
    assert all(b.t_ns == a.end_ns for a, b in zip(mic, mic[1:]))
    total_s = sum(len(c.samples) for c in mic) / 16_000
    assert total_s == pytest.approx(2.0, abs=0.05)
    # The tone survives resampling: ~880 zero crossings a second.
    pcm = np.concatenate([c.samples for c in mic]).astype(float)
    crossings = np.count_nonzero(np.diff(np.signbit(pcm[1600:-1600]))) / (len(pcm) - 3200) * 16_000
    assert crossings == pytest.approx(880, rel=0.05)

    info = source.describe()
    assert info["streams"] == ["camera", "mic"]
    assert (info["fps"], info["width"], info["height"], info["sample_rate"]) == (10.0, 64, 48, 16_000)
    assert info["duration_s"] == pytest.approx(2.0, abs=0.05)


def test_frames_can_be_replayed(tmp_path: Path) -> None:
    source = MediaFileSource(write_mp4(tmp_path / "clip.mp4", frames=5, audio_s=0.5))
    once = [(frame_order_key(f), f.image.tobytes() if isinstance(f, VideoFrame) else f.samples.tobytes())
            for f in source.frames()]
    twice = [(frame_order_key(f), f.image.tobytes() if isinstance(f, VideoFrame) else f.samples.tobytes())
             for f in source.frames()]
    assert once == twice


def test_audio_offset_in_the_file_is_kept(tmp_path: Path) -> None:
    frames = by_source(MediaFileSource(write_mp4(tmp_path / "late.mp4", audio_offset_s=0.5)).frames())
    assert frames["camera"][0].t_ns == 0
    # AAC's encoder delay shifts the first decoded sample by up to one 1024-sample frame (21 ms).
    assert frames["mic"][0].t_ns / NS_PER_S == pytest.approx(0.5, abs=0.03)


def test_video_only_file_written_by_opencv(tmp_path: Path) -> None:
    import cv2

    path = tmp_path / "silent.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 5.0, (80, 60))
    for _ in range(7):
        writer.write(np.full((60, 80, 3), (0, 0, 255), np.uint8))  # BGR red
    writer.release()
    source = MediaFileSource(path)
    frames = list(source.frames())
    assert source.describe()["streams"] == ["camera"]
    assert [f.t_ns for f in frames] == [i * NS_PER_S // 5 for i in range(7)]
    assert frames[0].image[30, 40, 0] > 200 and frames[0].image[30, 40, 2] < 50


def test_audio_only_wav_resampled_and_chunked(tmp_path: Path) -> None:
    source = MediaFileSource(write_wav(tmp_path / "tone.wav"), sample_rate=8_000, audio_chunk_ms=50)
    chunks = list(source.frames())
    assert source.describe()["streams"] == ["mic"]
    assert source.describe()["fps"] is None
    assert all(c.source == "mic" and len(c.samples) == 400 for c in chunks[:-1])
    assert [c.t_ns for c in chunks] == [k * 50_000_000 for k in range(len(chunks))]
    assert sum(len(c.samples) for c in chunks) == pytest.approx(8_000, abs=20)
    assert np.abs(np.concatenate([c.samples for c in chunks])).max() > 10_000


def test_audio_from_another_file_replaces_the_clip_audio(tmp_path: Path) -> None:
    video = write_mp4(tmp_path / "clip.mp4", audio_s=2.0)
    wav = write_wav(tmp_path / "voice.wav", seconds=1.0)
    streams = by_source(MediaFileSource(video, audio_path=wav).frames())
    assert len(streams["camera"]) == 20
    assert sum(len(c.samples) for c in streams["mic"]) / 16_000 == pytest.approx(1.0, abs=0.01)
    assert streams["mic"][0].t_ns == 0


def test_max_size_keeps_aspect(tmp_path: Path) -> None:
    source = MediaFileSource(write_mp4(tmp_path / "clip.mp4", audio_s=None), max_size=32)
    first = next(iter(source.frames()))
    assert first.image.shape == (24, 32, 3)
    assert source.describe()["width"] == 32 and source.describe()["height"] == 24


def test_imu_csv_joins_the_stream(tmp_path: Path) -> None:
    video = write_mp4(tmp_path / "clip.mp4", audio_s=None, frames=5)
    imu = write_imu(tmp_path / "clip.imu.csv", ["0.0,0,9.8,0,0,0.1,0", "0.25,0,9.8,0,0,0.2,0", "0.5,0.1,9.7,0,0,0.3,0"])
    frames = list(MediaFileSource(video, imu_csv=imu).frames())
    samples = [f for f in frames if f.source == "imu"]
    assert [s.t_ns for s in samples] == [0, 250_000_000, 500_000_000]
    assert samples[2].accel == (0.1, 9.7, 0.0) and samples[2].gyro == (0.0, 0.3, 0.0)
    assert [frame_order_key(f) for f in frames] == sorted(frame_order_key(f) for f in frames)


# -- read_imu_csv ------------------------------------------------------------------------------


def test_read_imu_csv_offsets_and_names(tmp_path: Path) -> None:
    path = write_imu(tmp_path / "imu.csv", ["0.00505,1,2,3,4,5,6", "0.01010,1,2,3,4,5,6", "", ])
    samples = read_imu_csv(path, source="head", t0_ns=1_000)
    assert all(isinstance(s, ImuSample) and s.source == "head" for s in samples)
    assert [(s.t_ns, s.seq) for s in samples] == [(5_051_000, 0), (10_101_000, 1)]


@pytest.mark.parametrize(
    ("header", "rows", "where"),
    [
        ("t,ax,ay,az,gx,gy,gz", ["0,0,0,0,0,0,0"], ":1:"),
        (None, ["0,0,0,0,0,0,0", "0.1,0,zero,0,0,0,0"], ":3:"),
        (None, ["0,0,0,0,0,0,0", "0.1,0,0,0,0,0"], ":3:"),
        (None, ["0,0,0,0,0,0,0", "0.2,0,0,0,0,0,0", "0.1,0,0,0,0,0,0"], ":4:"),
        (None, ["0,0,0,0,0,0,nan"], ":2:"),
    ],
    ids=["header", "not-a-number", "short-row", "backwards", "nan"],
)
def test_bad_imu_csv_names_file_and_line(tmp_path: Path, header, rows, where) -> None:
    path = write_imu(tmp_path / "bad.csv", rows, **({"header": header} if header else {}))
    with pytest.raises(SourceError) as err:
        read_imu_csv(path)
    message = str(err.value)
    assert f"{path}{where}" in message and "\n" not in message


def test_missing_and_empty_imu_csv(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such IMU file"):
        read_imu_csv(tmp_path / "nope.csv")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(SourceError, match="empty IMU file"):
        read_imu_csv(tmp_path / "empty.csv")


# -- bad media input ---------------------------------------------------------------------------


def _one_line_error(make) -> str:
    with pytest.raises(SourceError) as err:
        make()
    assert "\n" not in str(err.value)
    return str(err.value)


def test_bad_media_input_is_one_line(tmp_path: Path) -> None:
    text = tmp_path / "notes.mp4"
    text.write_text("not a video\n")
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    video_only = write_mp4(tmp_path / "silent.mp4", frames=3, audio_s=None)

    assert "no such media file" in _one_line_error(lambda: MediaFileSource(tmp_path / "missing.mp4"))
    assert "not a file" in _one_line_error(lambda: MediaFileSource(tmp_path))
    assert "not a readable media file" in _one_line_error(lambda: MediaFileSource(text))
    assert "not a readable media file" in _one_line_error(lambda: MediaFileSource(empty))
    assert "no audio track" in _one_line_error(lambda: MediaFileSource(video_only, audio_path=video_only))
    assert "no such audio file" in _one_line_error(lambda: MediaFileSource(video_only, audio_path=tmp_path / "x.wav"))
    assert "no such IMU file" in _one_line_error(lambda: MediaFileSource(video_only, imu_csv=tmp_path / "x.csv"))
    assert "sample_rate" in _one_line_error(lambda: MediaFileSource(video_only, sample_rate=0))
    assert "needs a video or an audio file" in _one_line_error(lambda: MediaFileSource(None))


def test_file_without_video_or_audio(tmp_path: Path) -> None:
    # Subtitles open as a media file (FFmpeg's srt demuxer) but hold nothing to see or hear.
    path = tmp_path / "talk.srt"
    path.write_text("1\n00:00:00,000 --> 00:00:01,000\nhello\n\n2\n00:00:01,500 --> 00:00:02,000\nworld\n")
    assert "no video or audio track" in _one_line_error(lambda: MediaFileSource(path))


# -- the shared gopro clip ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def gopro(shared_data: Path) -> dict:
    """Decode the clip once (images summarised, not kept: 315 full frames are ~380 MB)."""
    video = shared_data / "video" / "gopro_max-heromode.mp4"
    source = MediaFileSource(video, imu_csv=video.with_suffix(".imu.csv"))
    keys, stamps, shapes, audio_samples = [], {}, set(), 0
    for frame in source.frames():
        keys.append(frame_order_key(frame))
        stamps.setdefault(frame.source, []).append((frame.t_ns, frame.seq))
        if isinstance(frame, VideoFrame):
            shapes.add(frame.image.shape)
        elif isinstance(frame, AudioChunk):
            audio_samples += len(frame.samples)
            last_audio_end = frame.end_ns
    return {"source": source, "keys": keys, "stamps": stamps, "shapes": shapes,
            "audio_s": audio_samples / 16_000, "audio_end_ns": last_audio_end}


@pytest.mark.shared_data
def test_gopro_counts(gopro: dict) -> None:
    stamps = gopro["stamps"]
    assert set(stamps) == {"camera", "mic", "imu"}
    assert len(stamps["camera"]) == 315
    assert len(stamps["imu"]) == 2082  # every row of the CSV
    assert gopro["audio_s"] == pytest.approx(10.5, abs=0.1)
    assert gopro["shapes"] == {(480, 848, 3)}


@pytest.mark.shared_data
def test_gopro_timestamps_monotonic_and_aligned(gopro: dict) -> None:
    assert gopro["keys"] == sorted(gopro["keys"])
    for name, pairs in gopro["stamps"].items():
        times = [t for t, _ in pairs]
        assert all(b > a for a, b in zip(times, times[1:])), name
        assert [s for _, s in pairs] == list(range(len(pairs))), name
    frame_ns = NS_PER_S * 1001 / 30_000
    video, audio = gopro["stamps"]["camera"], gopro["stamps"]["mic"]
    assert video[0][0] == 0
    assert abs(audio[0][0] - video[0][0]) <= frame_ns
    # The last frame lasts one interval; the audio ends within a frame of that.
    assert abs(gopro["audio_end_ns"] - (video[-1][0] + frame_ns)) <= frame_ns
    imu = gopro["stamps"]["imu"]
    assert imu[0][0] == 0 and abs(imu[-1][0] - video[-1][0]) <= 2 * frame_ns


@pytest.mark.shared_data
def test_gopro_describe(gopro: dict) -> None:
    info = gopro["source"].describe()
    assert info["streams"] == ["camera", "mic", "imu"]
    assert info["fps"] == pytest.approx(29.97, abs=0.01)
    assert (info["width"], info["height"], info["sample_rate"]) == (848, 480, 16_000)
    assert info["duration_s"] == pytest.approx(10.5, abs=0.1)
    assert info["frames"] == {"camera": 315, "imu": 2082}
    assert info["mic"]["source_sample_rate"] == 48_000


@pytest.mark.shared_data
def test_gopro_streams_lazily_and_downsizes(shared_data: Path) -> None:
    source = MediaFileSource(shared_data / "video" / "gopro_max-heromode.mp4", max_size=160)
    first = list(itertools.islice((f for f in source.frames() if f.source == "camera"), 3))
    assert [f.image.shape for f in first] == [(91, 160, 3)] * 3  # 480 * 160 / 848 = 90.6
