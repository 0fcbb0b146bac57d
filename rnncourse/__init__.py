"""Helpers for the RNN architecture course: data, GloVe, models, weights, checks."""

__version__ = "1.0.0"
