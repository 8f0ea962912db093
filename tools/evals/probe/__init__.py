"""Frozen-feature evaluation: JEPA vs pixel model vs random init (`glasses-agent eval probe`)."""
