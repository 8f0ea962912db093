"""Context/target masks for masked latent prediction (see multiblock.py)."""

from glasses_agent.perception.masks.multiblock import DEFAULT_WEIGHTS, STRATEGIES, Mask, sample_mask

__all__ = ["DEFAULT_WEIGHTS", "STRATEGIES", "Mask", "sample_mask"]
