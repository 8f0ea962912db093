"""Multimodal JEPA perception: video + audio encoders, fusion, predictor, masks, training.

    from glasses_agent.perception import load_encoder
    encoder = load_encoder()            # the shipped default checkpoint
    percepts = encoder.encode(ticks)    # list[Percept], batched, deterministic

Layout: config.py (shapes), preprocess.py (ticks -> tensors), models/ (networks), masks/
(context/target masks), objectives.py (JEPA, SIGReg, pixel baseline), data.py (clip sets),
train.py (the training loop), checkpoint.py (safetensors + JSON), inference.py (the API),
probe/ (frozen-feature evaluation).
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
