"""sk_easycore: robust coreset selection by sample hardness (EasyCore / AIGN).

Train a network, measure each sample's hardness as its Average Input Gradient
Norm (AIGN), keep the easiest fraction as a coreset, and compare the robustness
of models trained on coresets chosen by different methods.

``Pipeline`` and ``make_pipeline`` are imbalanced-learn's: they run the selectors
(samplers) during ``fit`` and skip them at ``predict``. scikit-learn's own
``sklearn.pipeline.Pipeline`` refuses a selector ("All intermediate steps should be
transformers and implement fit and transform ..."): a selector drops rows, which no
transformer may do.

The estimators are imported on first use (``from sk_easycore import AIGNScorer``
works as usual), so that ``import sk_easycore`` and ``sk-easycore --help`` stay fast.
"""

from ._lazy import lazy_exports

__version__ = "0.2.0.dev0"

__getattr__, __dir__, _names = lazy_exports(__name__, {
    "AIGNScorer": ".scoring",
    "AveragedDynamics": ".scoring",
    "CALSelector": ".selection",
    "ContextualDiversitySelector": ".selection",
    "DeepFoolSelector": ".selection",
    "EL2NSelector": ".selection",
    "EasyCoreSelector": ".selection",
    "FacilityLocationSelector": ".selection",
    "ForgettingSelector": ".selection",
    "GlisterSelector": ".selection",
    "GraNdSelector": ".selection",
    "GraphCutSelector": ".selection",
    "HardCoreSelector": ".selection",
    "HerdingSelector": ".selection",
    "KCenterGreedySelector": ".selection",
    "MatchedRandomSelector": ".selection",
    "ModerateSelector": ".selection",
    "Pipeline": "imblearn.pipeline",
    "PrecomputedDynamics": ".scoring",
    "RandomSelector": ".selection",
    "ScoreSelector": ".selection",
    "TrainingDynamics": ".scoring",
    "UncertaintySelector": ".selection",
    "clear_score_cache": "._cache",
    "make_pipeline": "imblearn.pipeline",
})
__all__ = [*_names, "__version__"]
