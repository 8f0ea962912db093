"""Checkpoints shipped with the package (package data)."""
