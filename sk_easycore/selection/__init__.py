"""Coreset selectors: imbalanced-learn samplers that keep a fraction of the rows."""

from ._deepfool import DeepFoolSelector
from ._dynamics_selectors import EL2NSelector, ForgettingSelector, GraNdSelector, HardCoreSelector
from ._easycore import EasyCoreSelector
from ._geometry import CALSelector, ModerateSelector
from ._glister import GlisterSelector
from ._greedy import ContextualDiversitySelector, HerdingSelector, KCenterGreedySelector
from ._matched import MatchedRandomSelector
from ._proxy import ProxySelector
from ._random import RandomSelector
from ._score import ScoreSelector
from ._submodular import FacilityLocationSelector, GraphCutSelector
from ._uncertainty import UncertaintySelector

__all__ = [
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
    "ProxySelector",
    "RandomSelector",
    "ScoreSelector",
    "UncertaintySelector",
]
