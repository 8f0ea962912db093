"""Child process of tests/test_memory_crash.py: writes memory until it is killed.

    python tests/support/memory_writer.py DB [SEED]

Prints `ready` once the store is open, then one line per committed write, only after the
commit has returned: `s ID` for a sighting, `e COUNT` after re-enrolling "keys" (COUNT is the
enrollment's count after that commit). The parent SIGKILLs it at random moments and checks
that every reported write survived. It must not import torch (memory is written without it).
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root

import numpy as np  # noqa: E402

from glasses_agent.memory import MemoryStore  # noqa: E402


def main() -> None:
    path = sys.argv[1]
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
    assert "torch" not in sys.modules, "writing memory must not import torch"
    store = MemoryStore(path, wearer="crash")
    print(f"ready torch={'torch' in sys.modules}", flush=True)
    t_ns = 0
    while True:
        t_ns += 100_000_000
        if rng.random() < 0.2:
            enrolled = store.enroll("keys", "object", np.full(16, rng.random(), np.float32), {"t_ns": t_ns})
            print(f"e {enrolled.count}", flush=True)
        else:
            x, y = rng.random() * 0.8, rng.random() * 0.8
            sighting_id = store.add_sighting(
                "keys", t_ns, box=(x, y, 0.2, 0.2), context={"nearby": ["mug"], "pad": "x" * rng.randrange(2000)},
                source="crash-test",
            )
            print(f"s {sighting_id}", flush=True)


if __name__ == "__main__":
    main()
