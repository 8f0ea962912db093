"""SyntheticSource and its scene model: determinism, counts, truth kept apart and true to the pixels."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from streams.errors import SourceError
from streams.frames import NS_PER_S, AudioChunk, ImuSample, TruthEvent, VideoFrame
from streams.sources.base import frame_order_key
from streams.sources.synthetic import (
    HeadMotion,
    Scene,
    SceneObject,
    SyntheticSource,
    build_scene,
    render,
    render_frame,
)


def payload(frame) -> tuple:
    """Everything a frame carries, as comparable bytes/values."""
    if isinstance(frame, VideoFrame):
        body = (frame.image.shape, frame.image.tobytes())
    elif isinstance(frame, AudioChunk):
        body = (frame.sample_rate, frame.samples.tobytes())
    elif isinstance(frame, ImuSample):
        body = (frame.accel, frame.gyro)
    else:
        body = (frame.name, frame.data)
    return (type(frame).__name__, frame_order_key(frame), body)


def by_source(frames) -> dict[str, list]:
    out: dict[str, list] = {}
    for frame in frames:
        out.setdefault(frame.source, []).append(frame)
    return out


@pytest.fixture(scope="module")
def mixed_frames() -> list:
    return list(SyntheticSource(seed=7, duration_s=6.0).frames())


# -- determinism and counts --------------------------------------------------------------------


def test_same_seed_same_bytes_different_seed_differs(mixed_frames: list) -> None:
    again = list(SyntheticSource(seed=7, duration_s=6.0).frames())
    assert [payload(f) for f in again] == [payload(f) for f in mixed_frames]

    other = by_source(SyntheticSource(seed=8, duration_s=6.0).frames())
    mine = by_source(mixed_frames)
    assert mine["camera"][0].image.tobytes() != other["camera"][0].image.tobytes()
    assert mine["mic"][0].samples.tobytes() != other["mic"][0].samples.tobytes()


@pytest.mark.parametrize("scenario", ["mixed", "approach", "occlusion", "quiet"])
def test_counts_match_duration(scenario: str) -> None:
    source = SyntheticSource(seed=1, duration_s=2.5, fps=12.0, scenario=scenario, audio_chunk_ms=50)
    frames = list(source.frames())
    streams = by_source(frames)
    assert len(streams["camera"]) == 30  # 2.5 s * 12 fps
    assert len(streams["mic"]) == 50  # 2.5 s / 50 ms
    assert sum(len(c.samples) for c in streams["mic"]) == 40_000
    assert len(streams["imu"]) == 500  # 200 Hz
    assert [f.t_ns for f in streams["camera"]] == [round(i * NS_PER_S / 12) for i in range(30)]
    assert all(b.t_ns == a.end_ns for a, b in zip(streams["mic"], streams["mic"][1:]))
    assert [frame_order_key(f) for f in frames] == sorted(frame_order_key(f) for f in frames)
    info = source.describe()
    assert info["frames"] == {"camera": 30, "mic": 50, "imu": 500}
    assert (info["width"], info["height"], info["scenario"]) == (160, 120, scenario)
    assert streams["camera"][0].image.shape == (120, 160, 3) and streams["camera"][0].image.dtype == np.uint8


def test_size_and_imu_switch() -> None:
    source = SyntheticSource(seed=0, duration_s=1.0, size=(64, 64), imu=False)
    streams = by_source(source.frames())
    assert "imu" not in streams and "imu" not in source.describe()["streams"]
    assert streams["camera"][0].image.shape == (64, 64, 3)


def test_chunk_size_does_not_change_the_sound() -> None:
    def pcm(chunk_ms: int) -> np.ndarray:
        frames = SyntheticSource(seed=2, duration_s=2.0, audio_chunk_ms=chunk_ms).frames()
        return np.concatenate([f.samples for f in frames if f.source == "mic"])

    assert np.array_equal(pcm(100), pcm(30))


# -- truth -------------------------------------------------------------------------------------


def test_truth_is_a_separate_channel(mixed_frames: list) -> None:
    truth = [f for f in mixed_frames if isinstance(f, TruthEvent)]
    assert truth and all(f.source == "truth" for f in truth)
    assert all(not isinstance(f, TruthEvent) for f in mixed_frames if f.source != "truth")
    assert [f.seq for f in truth] == list(range(len(truth)))
    camera = [f for f in mixed_frames if f.source == "camera"]
    scenes = [f for f in truth if f.name == "scene"]
    assert [f.t_ns for f in scenes] == [f.t_ns for f in camera]
    names = {f.name for f in truth}
    assert {"object_enters", "sound_start", "approaching"} <= names
    obj = scenes[0].data["objects"][0]
    assert {"id", "shape", "color", "bbox", "velocity", "visible"} <= set(obj)


def test_stripping_truth_leaves_the_rest_unchanged(mixed_frames: list) -> None:
    without = list(SyntheticSource(seed=7, duration_s=6.0, include_truth=False).frames())
    assert [payload(f) for f in without] == [payload(f) for f in mixed_frames if f.source != "truth"]
    assert "truth" not in SyntheticSource(seed=7, include_truth=False).describe()["streams"]


def test_truth_boxes_show_the_objects(mixed_frames: list) -> None:
    """Where truth says an object is visible, its colour is in the picture, and the picture there
    differs from the same instant rendered without objects."""
    source = SyntheticSource(seed=7, duration_s=6.0)
    empty = replace(source.scene, objects=())
    camera = {f.seq: f.image for f in mixed_frames if f.source == "camera"}
    checked = 0
    for event in (f for f in mixed_frames if f.source == "truth" and f.name == "scene"):
        seq = event.data["frame_seq"]
        background = render_frame(empty, event.t_ns / NS_PER_S).astype(int)
        for obj in event.data["objects"]:
            if not obj["visible"]:
                continue
            x0, y0, x1, y1 = obj["visible_bbox"]
            region = camera[seq][y0:y1, x0:x1].astype(int)
            assert np.abs(region - background[y0:y1, x0:x1]).mean() > 10
            near = np.abs(region - np.array(obj["color"])).max(axis=2) < 16
            assert near.mean() > 0.3, (seq, obj["id"])
            checked += 1
    assert checked > 50


def test_render_labels_agree_with_the_image() -> None:
    scene = build_scene("mixed", 3, duration_s=4.0)
    rendered = render(scene, 1.5, noise=False)
    for state in rendered.objects:
        mask = rendered.labels == state.id
        assert mask.sum() == state.visible_px
        if state.visible_px:
            colours = rendered.image[mask]
            assert np.all(colours == np.array(scene.object(state.id).color, np.uint8))


def test_approaching_object_grows() -> None:
    frames = list(SyntheticSource(seed=4, duration_s=4.0, scenario="approach").frames())
    areas = []
    for event in (f for f in frames if f.source == "truth" and f.name == "scene"):
        x0, y0, x1, y1 = event.data["objects"][0]["bbox"]
        areas.append((x1 - x0) * (y1 - y0))
    assert all(b >= a for a, b in zip(areas, areas[1:]))
    assert areas[-1] > 20 * areas[0]
    assert any(f.name == "approaching" for f in frames if f.source == "truth")
    # It heads for the centre of the view.
    last = [f for f in frames if f.source == "truth" and f.name == "scene"][-1].data["objects"][0]
    assert last["center"] == pytest.approx([80, 60], abs=2)


def test_the_approaching_object_closes_at_a_steady_speed_and_its_truth_says_when_it_arrives() -> None:
    # Steady closing: the image size is inversely proportional to the distance, so size x time to
    # contact holds while it comes, and the time to contact falls a second a second.
    scenes = [f for f in SyntheticSource(seed=4, duration_s=10.0, scenario="approach").frames()
              if f.source == "truth" and f.name == "scene"]
    coming = [(f.t_ns / 1e9, f.data["objects"][0]) for f in scenes if f.data["objects"][0]["approaching"]]
    assert len(coming) > 0.8 * len(scenes)
    products = [o["size"] * o["tau_s"] for _, o in coming]
    assert max(products) == pytest.approx(min(products), rel=0.01)
    (t0, first), (t1, last) = coming[0], coming[-1]
    assert first["tau_s"] - last["tau_s"] == pytest.approx(t1 - t0, abs=0.002)
    assert 0.5 < last["tau_s"] < 1.0  # it fills the view before it would arrive
    assert all(o["tau_s"] is None for f in scenes if not (o := f.data["objects"][0])["approaching"])


def test_the_approach_scenario_makes_a_hazard_due_when_its_time_to_contact_falls_under_2_s() -> None:
    from glasses_agent.scoring.scenes import build

    scenario = build("approach", 4)
    truth = [f for f in scenario.source.frames() if f.source == "truth" and f.name == "scene"]
    (hazard,) = [e for e in scenario.expectations()[0] if e.kind == "hazard"]
    due = next(f.t_ns for f in truth if (tau := f.data["objects"][0]["tau_s"]) is not None and tau < 2.0)
    assert hazard.onset_ns == due
    assert 6.5 < due / 1e9 < 7.5  # late in the 10 s scene: before then nothing is due


def test_occlusion_scenario_hides_then_reveals() -> None:
    frames = list(SyntheticSource(seed=5, duration_s=5.0, scenario="occlusion").frames())
    events = [f.name for f in frames if f.source == "truth" and f.name != "scene"]
    assert events == ["object_enters", "occluded", "reappears"]
    scenes = [f for f in frames if f.source == "truth" and f.name == "scene"]
    camera = {f.seq: f.image for f in frames if f.source == "camera"}
    hidden = [s for s in scenes if s.data["objects"][0]["visible_fraction"] == 0.0]
    assert hidden and all(s.data["objects"][0]["state"] == "occluded" for s in hidden)
    # Fully hidden means the picture is exactly the scene without it (same noise, same instant).
    empty = replace(SyntheticSource(seed=5, duration_s=5.0, scenario="occlusion").scene, objects=())
    for s in hidden:
        assert np.array_equal(camera[s.data["frame_seq"]], render_frame(empty, s.t_ns / NS_PER_S))


def test_quiet_scenario_has_no_events() -> None:
    frames = list(SyntheticSource(seed=6, duration_s=2.0, scenario="quiet").frames())
    assert {f.name for f in frames if f.source == "truth"} == {"scene"}
    pcm = np.concatenate([f.samples for f in frames if f.source == "mic"]).astype(float)
    assert np.sqrt(np.mean(pcm**2)) < 1000  # hiss only


def test_sounds_start_when_truth_says(mixed_frames: list) -> None:
    pcm = np.concatenate([f.samples for f in mixed_frames if f.source == "mic"]).astype(float)
    starts = [f for f in mixed_frames if f.source == "truth" and f.name == "sound_start"]
    assert starts
    for event in starts:
        i = event.t_ns * 16_000 // NS_PER_S
        before, after = pcm[max(0, i - 800):i], pcm[i + 80:i + 880]
        if len(before) < 800 or len(after) < 800:
            continue
        assert np.sqrt(np.mean(after**2)) > 1.5 * np.sqrt(np.mean(before**2)), event.data


# -- head motion -------------------------------------------------------------------------------


def test_head_yaw_pans_the_view_and_the_gyro_feels_it() -> None:
    base = build_scene("quiet", 0, duration_s=4.0)
    head = HeadMotion(yaw_amplitude_rad=0.3, yaw_period_s=8.0)
    scene = replace(base, head=head)
    t = 1.0
    shift = int(round(scene.pan_px(t)))
    assert shift > 10
    still, turned = render_frame(scene, 0.0, noise=False), render_frame(scene, t, noise=False)
    assert np.array_equal(turned[:, shift:], still[:, :-shift])  # turning left moves the view right

    source = SyntheticSource(duration_s=4.0, scene=scene)
    imu = [f for f in source.frames() if f.source == "imu"]
    yaw = sum(s.gyro[1] for s in imu[:200]) / 200  # integrate the yaw rate over the first second
    assert yaw == pytest.approx(head.yaw_at(t), abs=0.01)
    assert np.mean([s.accel[1] for s in imu]) == pytest.approx(9.81, abs=0.05)


def test_walking_bounce_near_two_hertz(mixed_frames: list) -> None:
    accel_y = np.array([f.accel[1] for f in mixed_frames if f.source == "imu"])
    spectrum = np.abs(np.fft.rfft(accel_y - accel_y.mean()))
    freqs = np.fft.rfftfreq(len(accel_y), 1 / 200)
    assert freqs[np.argmax(spectrum)] == pytest.approx(2.0, abs=0.25)


# -- scripting with the scene model ------------------------------------------------------------


def test_scripted_vanishing_pair() -> None:
    """An IntPhys-style pair: identical until the object would re-emerge, where one never does."""
    plausible = build_scene("occlusion", 9, duration_s=5.0)
    ball = plausible.objects[0]
    implausible = replace(plausible, objects=(replace(ball, vanish_s=2.0),))  # gone while behind the bar
    a = list(SyntheticSource(duration_s=5.0, scene=plausible).frames())
    b = list(SyntheticSource(duration_s=5.0, scene=implausible).frames())
    cam_a = [f.image.tobytes() for f in a if f.source == "camera"]
    cam_b = [f.image.tobytes() for f in b if f.source == "camera"]
    assert cam_a[:20] == cam_b[:20]
    assert cam_a[-1] != cam_b[-1]
    assert "object_vanishes" in [f.name for f in b if f.source == "truth"]
    assert "reappears" not in [f.name for f in b if f.source == "truth"]


def test_scene_built_by_hand() -> None:
    scene = Scene(
        width=64, height=48, seed=1, background=np.full((48, 192, 3), 100, np.uint8),
        objects=(SceneObject(id=1, shape="square", color=(255, 0, 0), position=(10.0, 24.0), velocity=(20.0, 0.0),
                             size=4.0, bounds=(4.0, 4.0, 60.0, 44.0)),),
    )
    # Bounces off the right edge (x = 60) after 2.5 s and comes back.
    assert scene.objects[0].position_at(3.0)[0] == pytest.approx(50.0)
    assert scene.objects[0].velocity_at(3.0) == (-20.0, 0.0)
    state = render(scene, 0.0, noise=False).objects[0]
    assert state.bbox == (6, 20, 14, 28) and state.visible  # pixel centres 6.5 .. 13.5 lie within 10 +- 4


def test_bad_parameters() -> None:
    with pytest.raises(SourceError, match="unknown scenario"):
        SyntheticSource(scenario="disco")
    with pytest.raises(SourceError, match="duration_s"):
        SyntheticSource(duration_s=0)
    with pytest.raises(SourceError, match="fps"):
        SyntheticSource(fps=-1)
    with pytest.raises(ValueError, match="shape"):
        SceneObject(id=1, shape="star", color=(0, 0, 0), position=(0.0, 0.0))
