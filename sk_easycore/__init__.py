"""sk_easycore: robust coreset selection by sample hardness (EasyCore / AIGN).

Train a network, measure each sample's hardness as its Average Input Gradient
Norm (AIGN), keep the easiest fraction as a coreset, and compare the robustness
of models trained on coresets chosen by different methods.
"""

__version__ = "0.1.0.dev0"

from ._cache import clear_score_cache
from .scoring import AIGNScorer, TrainingDynamics
from .selection import (
    CALSelector,
    ContextualDiversitySelector,
    DeepFoolSelector,
    EasyCoreSelector,
    EL2NSelector,
    FacilityLocationSelector,
    ForgettingSelector,
    GlisterSelector,
    GraNdSelector,
    GraphCutSelector,
    HardCoreSelector,
    HerdingSelector,
    KCenterGreedySelector,
    MatchedRandomSelector,
    ModerateSelector,
    RandomSelector,
    ScoreSelector,
    UncertaintySelector,
)

__all__ = [
    "AIGNScorer",
    "CALSelector",
    "ContextualDiversitySelector",
    "DeepFoolSelector",
    "EL2NSelector",
    "EasyCoreSelector",
    "FacilityLocationSelector",
    "ForgettingSelector",
    "GlisterSelector",
    "GraNdSelector",
    "GraphCutSelector",
    "HardCoreSelector",
    "HerdingSelector",
    "KCenterGreedySelector",
    "MatchedRandomSelector",
    "ModerateSelector",
    "RandomSelector",
    "ScoreSelector",
    "TrainingDynamics",
    "UncertaintySelector",
    "__version__",
    "clear_score_cache",
]
