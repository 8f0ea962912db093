"""`SyntheticSource`: a seeded scene rendered into camera, mic, IMU and ground-truth streams.

The agent-facing streams ("camera", "mic", "imu") carry only what a sensor would; what really
happened goes out as `TruthEvent`s on source "truth" (the sync stage drops those, scorers read
them). Same seed and settings -> byte-identical frames, because every random draw is keyed by
the seed and the instant it belongs to.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from streams.errors import SourceError
from streams.frames import NS_PER_S, AudioChunk, Frame, ImuSample, TruthEvent, VideoFrame
from streams.sources.base import merge_by_time
from streams.sources.synthetic.audio import render_audio, to_pcm16
from streams.sources.synthetic.imu import IMU_AXES, imu_arrays
from streams.sources.synthetic.render import ObjectState, render
from streams.sources.synthetic.scene import ABSENT, OCCLUDED, OUT_OF_VIEW, VISIBLE, Scene
from streams.sources.synthetic.scenarios import build_scene

CAMERA, MIC, IMU, TRUTH = "camera", "mic", "imu", "truth"


def _r(value: float, digits: int = 2) -> float:
    # Rounded so truth files stay small and compare equal across platforms' last-bit differences.
    return round(float(value), digits)


def _transition(prev: str | None, cur: str, in_sight: bool) -> str | None:
    """The truth event, if any, when an object's visibility goes from `prev` to `cur`.

    `in_sight`: the object has been visible since it last was absent or out of view. It tells
    "reappears" (seen, hidden, seen again) from "object_enters" (first seen, even if it first
    came into the scene behind something).
    """
    if cur == VISIBLE:
        if not in_sight:
            return "object_enters"
        return "reappears" if prev == OCCLUDED else None
    if cur == OCCLUDED and prev == VISIBLE:
        return "occluded"
    if cur == OUT_OF_VIEW and in_sight:
        return "object_leaves"
    if cur == ABSENT and prev not in (None, ABSENT):
        return "object_vanishes"  # only scripted scenes make objects vanish
    return None


class SyntheticSource:
    """A procedural scene as a replayable source.

    `size` is (width, height). `scenario` picks a preset ("mixed", "approach", "occlusion",
    "quiet"); `scene` replaces the preset with a scripted `Scene` (its size wins over `size`).
    `imu` False leaves the IMU stream out; `include_truth` False leaves the truth stream out.
    """

    def __init__(
        self,
        seed: int = 0,
        *,
        duration_s: float = 10.0,
        fps: float = 10.0,
        size: tuple[int, int] = (160, 120),
        sample_rate: int = 16_000,
        audio_chunk_ms: int = 100,
        scenario: str = "mixed",
        imu: bool = True,
        imu_rate_hz: float = 200.0,
        include_truth: bool = True,
        scene: Scene | None = None,
    ) -> None:
        if not duration_s > 0 or not math.isfinite(duration_s):
            raise SourceError(f"duration_s must be positive, got {duration_s}")
        for name, value in (("fps", fps), ("sample_rate", sample_rate), ("audio_chunk_ms", audio_chunk_ms),
                            ("imu_rate_hz", imu_rate_hz)):
            if not value > 0:
                raise SourceError(f"{name} must be positive, got {value}")
        if scene is None and (len(size) != 2 or min(size) < 8):
            raise SourceError(f"size must be (width, height) of at least 8 pixels, got {size}")
        self.seed = scene.seed if scene is not None else seed
        self.scenario = "scripted" if scene is not None else scenario
        self.duration_s = float(duration_s)
        self.fps = float(fps)
        self.sample_rate = int(sample_rate)
        self.imu_rate_hz = float(imu_rate_hz)
        self.include_truth = include_truth
        self.scene = scene if scene is not None else build_scene(scenario, seed, duration_s=duration_s, size=size)
        self.n_frames = round(self.duration_s * self.fps)
        self.n_samples = round(self.duration_s * self.sample_rate)
        self.chunk_samples = max(1, round(self.sample_rate * audio_chunk_ms / 1000))
        self.n_chunks = -(-self.n_samples // self.chunk_samples)
        self.n_imu = round(self.duration_s * self.imu_rate_hz) if imu else 0

    # -- FrameSource ---------------------------------------------------------------------------

    def frames(self) -> Iterator[Frame]:
        streams: list[Iterator[Frame]] = [self._camera_and_truth(), self._audio()]
        if self.n_imu:
            streams.append(self._imu())
        return merge_by_time(streams)

    def describe(self) -> dict[str, Any]:
        scene = self.scene
        streams = [CAMERA, MIC] + ([IMU] if self.n_imu else []) + ([TRUTH] if self.include_truth else [])
        frames = {CAMERA: self.n_frames, MIC: self.n_chunks}
        if self.n_imu:
            frames[IMU] = self.n_imu
        return {
            "format": "synthetic",
            "scenario": self.scenario,
            "seed": self.seed,
            "streams": streams,
            "fps": self.fps,
            "width": scene.width,
            "height": scene.height,
            "sample_rate": self.sample_rate,
            "imu_rate_hz": self.imu_rate_hz if self.n_imu else None,
            "imu_axes": IMU_AXES,
            "duration_s": self.duration_s,
            "frames": frames,
            "objects": len(scene.objects),
            "sounds": len(scene.sounds),
        }

    # -- streams -------------------------------------------------------------------------------

    def frame_t_ns(self, index: int) -> int:
        return round(index * NS_PER_S / self.fps)

    def _camera_and_truth(self) -> Iterator[Frame]:
        """Camera frames with their truth right behind them, in `frame_order_key` order.

        One generator renders each frame once and reports what it drew; "camera" sorts before
        "truth" at equal stamps, and sound starts between two frames go out after the first.
        """
        scene = self.scene
        end_ns = round(self.duration_s * NS_PER_S)
        sounds = sorted(
            ((round(s.start_s * NS_PER_S), i, s) for i, s in enumerate(scene.sounds) if 0 <= s.start_s * NS_PER_S < end_ns),
            key=lambda item: item[:2],
        )
        next_sound = 0
        truth_seq = 0
        prev_state: dict[int, str] = {}
        in_sight: dict[int, bool] = {}
        prev_approaching: dict[int, bool] = {}

        def truth(t_ns: int, name: str, data: dict[str, Any]) -> TruthEvent:
            nonlocal truth_seq
            event = TruthEvent(t_ns=t_ns, seq=truth_seq, source=TRUTH, name=name, data=data)
            truth_seq += 1
            return event

        for i in range(self.n_frames):
            t_ns = self.frame_t_ns(i)
            t = t_ns / NS_PER_S
            rendered = render(scene, t)
            yield VideoFrame(t_ns=t_ns, seq=i, source=CAMERA, image=rendered.image)
            if not self.include_truth:
                continue
            yield truth(t_ns, "scene", self._scene_payload(i, t, rendered.objects))
            for state in rendered.objects:
                change = _transition(prev_state.get(state.id), state.state, in_sight.get(state.id, False))
                prev_state[state.id] = state.state
                if state.state == VISIBLE:
                    in_sight[state.id] = True
                elif state.state in (ABSENT, OUT_OF_VIEW):
                    in_sight[state.id] = False
                if change is not None:
                    yield truth(t_ns, change, self._object_payload(i, state))
                if state.approaching and not prev_approaching.get(state.id, False):
                    tau = scene.object(state.id).tau_at(t)
                    yield truth(t_ns, "approaching", {**self._object_payload(i, state),
                                                      "growth_per_s": _r(1.0 / tau, 4), "tau_s": _r(tau, 3)})
                prev_approaching[state.id] = state.approaching
            next_t_ns = self.frame_t_ns(i + 1) if i + 1 < self.n_frames else end_ns
            while next_sound < len(sounds) and sounds[next_sound][0] < next_t_ns:
                s_ns, index, sound = sounds[next_sound]
                next_sound += 1
                if s_ns >= t_ns:  # (sounds before the first frame cannot happen: starts are >= 0)
                    yield truth(s_ns, "sound_start", {
                        "sound_index": index, "kind": sound.kind, "freq": sound.freq, "freq_end": sound.freq_end,
                        "duration_s": _r(sound.duration_s, 4), "amplitude": sound.amplitude,
                        "envelope": sound.envelope, "object_id": sound.object_id, "cause": sound.cause,
                    })

    def _object_payload(self, frame_seq: int, state: ObjectState) -> dict[str, Any]:
        obj = self.scene.object(state.id)
        return {"frame_seq": frame_seq, "object_id": obj.id, "shape": obj.shape, "color_name": obj.color_name,
                "bbox": list(state.bbox) if state.bbox else None}

    def _scene_payload(self, frame_seq: int, t: float, states: tuple[ObjectState, ...]) -> dict[str, Any]:
        scene = self.scene
        objects = []
        for state in states:
            obj = scene.object(state.id)
            objects.append({
                "id": obj.id,
                "shape": obj.shape,
                "color": list(obj.color),
                "color_name": obj.color_name,
                "state": state.state,
                "visible": state.visible,
                "visible_fraction": _r(state.visible_fraction, 3),
                "bbox": list(state.bbox) if state.bbox else None,
                "visible_bbox": list(state.visible_bbox) if state.visible_bbox else None,
                "center": [_r(state.center[0]), _r(state.center[1])],
                "size": _r(state.size),
                "velocity": [_r(state.velocity[0]), _r(state.velocity[1])],
                "image_velocity": [_r(state.image_velocity[0]), _r(state.image_velocity[1])],
                "approaching": state.approaching,
                # Its time to contact from the scene's script (None: not coming at the wearer).
                "tau_s": _r(obj.tau_at(t), 3) if state.approaching else None,
                "depth": obj.depth,
            })
        pan = scene.pan_px(t)
        occluders = [
            {"index": k, "bbox": [_r(o.box[0] + pan), _r(o.box[1]), _r(o.box[2] + pan), _r(o.box[3])]}
            for k, o in enumerate(scene.occluders)
        ]
        return {
            "frame_seq": frame_seq,
            "head": {"yaw_rad": _r(scene.head.yaw_at(t), 5), "yaw_rate_rads": _r(scene.head.yaw_rate_at(t), 5),
                     "pan_px": _r(pan), "walking": scene.head.walking},
            "objects": objects,
            "occluders": occluders,
        }

    def _audio(self) -> Iterator[AudioChunk]:
        n = self.chunk_samples
        for k in range(self.n_chunks):
            start = k * n
            count = min(n, self.n_samples - start)  # the last chunk may be short
            samples = to_pcm16(render_audio(self.scene, start, count, self.sample_rate))
            yield AudioChunk(t_ns=start * NS_PER_S // self.sample_rate, seq=k, source=MIC, samples=samples,
                             sample_rate=self.sample_rate)

    def _imu(self) -> Iterator[ImuSample]:
        _, accel, gyro = imu_arrays(self.scene, self.n_imu, self.imu_rate_hz)
        for i in range(self.n_imu):
            a, g = accel[i], gyro[i]
            yield ImuSample(t_ns=round(i * NS_PER_S / self.imu_rate_hz), seq=i, source=IMU,
                            accel=(float(a[0]), float(a[1]), float(a[2])), gyro=(float(g[0]), float(g[1]), float(g[2])))
