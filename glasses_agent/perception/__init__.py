"""Multimodal JEPA perception: video + audio encoders, fusion, predictor, masks, objectives.

    from glasses_agent.perception import load_encoder
    encoder = load_encoder()            # the shipped default checkpoint
    percepts = encoder.encode(ticks)    # list[Percept], batched, deterministic

Layout: config.py (shapes), preprocess.py (ticks -> tensors), models/ (networks), masks/
(context/target masks), objectives.py (JEPA, SIGReg, pixel baseline), data.py (clip sets),
checkpoint.py (safetensors + JSON), inference.py (the API), onnx_export.py (the encoder as an
ONNX Runtime graph, exported and cached on first use). The training loop is tools/train/perception.py,
the probes tools/evals/probe/, the encode benchmark tools/bench/encode.py.
"""

from glasses_agent.perception.config import ModelConfig
from glasses_agent.perception.errors import CheckpointError, EmptyDatasetError, PerceptionError
from glasses_agent.perception.inference import PerceptionEncoder, load_encoder

__all__ = [
    "CheckpointError",
    "EmptyDatasetError",
    "ModelConfig",
    "PerceptionEncoder",
    "PerceptionError",
    "load_encoder",
]
