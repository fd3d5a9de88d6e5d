"""Scalpel's PyTorch backend: the same recipes, events and run folders as the Swift engine."""

__version__ = "0.1.0"
