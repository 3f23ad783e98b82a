"""Writes for the notices app: one module per concept."""
