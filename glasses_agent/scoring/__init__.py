"""Scenario scoring: scripted scenes and overlays with expected prompts, and the per-kind scorer."""

from glasses_agent.scoring.overlays import Expected, OverlaySource
from glasses_agent.scoring.scorer import KindScore, format_table, score

__all__ = ["Expected", "KindScore", "OverlaySource", "format_table", "score"]
