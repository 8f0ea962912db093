"""IMU samples from a CSV file (accelerometer m/s^2, gyroscope rad/s, time in seconds).

The format is the one the shared clips' IMU tracks were extracted to:

    t_s,accel_x_mps2,accel_y_mps2,accel_z_mps2,gyro_x_rads,gyro_y_rads,gyro_z_rads

`t_s` counts from the clip's start, so `t0_ns` places the samples on the pipeline's timeline
(0 for a clip whose first video frame is at 0).
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from streams.errors import SourceError
from streams.frames import NS_PER_S, ImuSample

IMU_CSV_HEADER = (
    "t_s",
    "accel_x_mps2",
    "accel_y_mps2",
    "accel_z_mps2",
    "gyro_x_rads",
    "gyro_y_rads",
    "gyro_z_rads",
)


def read_imu_csv(path: str | Path, *, source: str = "imu", t0_ns: int = 0) -> list[ImuSample]:
    """Every sample of the file, in time order, with `seq` counting from 0.

    Raises `SourceError` (one line naming the file and line) on a missing file, a wrong header,
    a value that is not a finite number, or a time that goes backwards. Equal times are kept:
    some IMUs stamp a burst of samples with one time.
    """
    path = Path(path)
    try:
        handle = path.open(newline="", encoding="utf-8")
    except FileNotFoundError:
        raise SourceError(f"{path}: no such IMU file") from None
    except OSError as err:
        raise SourceError(f"{path}: cannot open IMU file: {err.strerror or err}") from None

    samples: list[ImuSample] = []
    with handle:
        rows = csv.reader(handle)
        try:
            header = next(rows, None)
        except (csv.Error, UnicodeDecodeError) as err:
            raise SourceError(f"{path}:1: not a CSV file: {err}") from None
        if header is None:
            raise SourceError(f"{path}: empty IMU file, expected the header {','.join(IMU_CSV_HEADER)}")
        if tuple(name.strip() for name in header) != IMU_CSV_HEADER:
            raise SourceError(f"{path}:1: unexpected IMU header {','.join(header)!r}, expected {','.join(IMU_CSV_HEADER)}")

        last_t_ns: int | None = None
        line = 1
        try:
            for row in rows:
                line = rows.line_num  # the reader's count, right even after quoted newlines
                if not row or all(not cell.strip() for cell in row):
                    continue  # a trailing blank line is not an error
                if len(row) != len(IMU_CSV_HEADER):
                    raise SourceError(f"{path}:{line}: expected {len(IMU_CSV_HEADER)} values, got {len(row)}")
                try:
                    values = [float(cell) for cell in row]
                except ValueError:
                    raise SourceError(f"{path}:{line}: not a number in {','.join(row)!r}") from None
                if not all(math.isfinite(v) for v in values):
                    raise SourceError(f"{path}:{line}: non-finite value in {','.join(row)!r}")
                # Round rather than truncate: 0.00505 s must become 5_050_000 ns, not 5_049_999.
                t_ns = t0_ns + round(values[0] * NS_PER_S)
                if last_t_ns is not None and t_ns < last_t_ns:
                    raise SourceError(f"{path}:{line}: time goes backwards ({values[0]} s after {(last_t_ns - t0_ns) / NS_PER_S} s)")
                last_t_ns = t_ns
                samples.append(
                    ImuSample(
                        t_ns=t_ns,
                        seq=len(samples),
                        source=source,
                        accel=(values[1], values[2], values[3]),
                        gyro=(values[4], values[5], values[6]),
                    )
                )
        except (csv.Error, UnicodeDecodeError) as err:
            raise SourceError(f"{path}:{line}: unreadable CSV: {err}") from None
    return samples
