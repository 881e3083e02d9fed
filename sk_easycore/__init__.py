"""sk_easycore: robust coreset selection by sample hardness (EasyCore / AIGN).

Train a network, measure each sample's hardness as its Average Input Gradient
Norm (AIGN), keep the easiest fraction as a coreset, and compare the robustness
of models trained on coresets chosen by different methods.
"""

__version__ = "0.1.0.dev0"

from ._cache import clear_score_cache
from .scoring import AIGNScorer
from .selection import EasyCoreSelector, RandomSelector, ScoreSelector

__all__ = [
    "AIGNScorer",
    "EasyCoreSelector",
    "RandomSelector",
    "ScoreSelector",
    "__version__",
    "clear_score_cache",
]
