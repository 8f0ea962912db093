"""The world model: latent dynamics, object memory, surprise, scene state, enrollment, planning.

    from glasses_agent.world_model import WorldModel
    world = WorldModel.load(path=None, memory=store)   # the shipped default checkpoint
    state = world.step(ctx)                            # a WorldState; the agent's WorldStage runs it

Layout: objects.py (tracks that persist behind occluders; one track's record in tracks.py),
dynamics.py (the latent predictor; dynamics_onnx.py its per-tick step as an ONNX Runtime graph),
surprise.py (running z-scores, quadrants), recognition.py (prototypes of enrolled things), enrolled.py
(what was enrolled, recognised each tick, sightings written),
world.py (the per-tick model), planner.py (CEM over head motions), checkpoint.py, recordings.py (a recording through the world model: clips cut into
ticks, enrolling, scanning). The pipeline stage is the agent's (glasses_agent/agent/stages/world.py).
Training is tools/train/world.py, the violation-of-expectation pairs tools/evals/surprise_pairs.py,
the false-alarm benchmark tools/bench/false_alarms.py.
"""

from glasses_agent.world_model.dynamics import WorldCheckpointError
from glasses_agent.world_model.recognition import EnrollmentError
from glasses_agent.world_model.world import WorldModel

__all__ = ["EnrollmentError", "WorldCheckpointError", "WorldModel"]
