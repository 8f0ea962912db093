"""MCAP recording and replay.

    with McapRecorder("session.mcap") as rec:
        for frame in source.frames():
            rec.write(frame)
        rec.write_json("/prompts", t_ns, prompt, "glasses.Prompt")

    for frame in McapReplaySource("session.mcap").frames(): ...
    recording_info("session.mcap")  # channels, counts, time range, recovered?

Camera frames are `foxglove.CompressedImage` (JPEG) and microphone chunks `foxglove.RawAudio`
(pcm-s16), both protobuf; IMU, events, truth and stream ends are JSON-schema channels. The files
open in Foxglove. A file whose writer never finished is recovered up to its last whole chunk.
"""

from streams.recording.index import recording_info
from streams.recording.reader import JsonMessage, McapReplaySource, RecoveredRecordingWarning
from streams.recording.writer import McapRecorder

__all__ = ["JsonMessage", "McapRecorder", "McapReplaySource", "RecoveredRecordingWarning", "recording_info"]
