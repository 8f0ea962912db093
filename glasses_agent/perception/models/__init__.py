"""The perception networks: fusion encoder and predictor (jepa.py)."""

from glasses_agent.perception.models.jepa import Encoder, Predictor, count_parameters

__all__ = ["Encoder", "Predictor", "count_parameters"]
