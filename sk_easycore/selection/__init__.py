"""Coreset selectors: imbalanced-learn samplers that keep a fraction of the rows."""

from ._easycore import EasyCoreSelector
from ._random import RandomSelector
from ._score import ScoreSelector

__all__ = ["EasyCoreSelector", "RandomSelector", "ScoreSelector"]
