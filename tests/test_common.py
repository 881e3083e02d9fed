"""scikit-learn's and imbalanced-learn's estimator checks over every public estimator."""

import inspect

from imblearn.utils.estimator_checks import (
    parametrize_with_checks as imblearn_parametrize_with_checks,
)
from sklearn.base import BaseEstimator
from sklearn.utils.estimator_checks import parametrize_with_checks

from sk_easycore.robustness import AdversarialTrainingClassifier
from sk_easycore.scoring import AIGNScorer, AveragedDynamics, TrainingDynamics
from sk_easycore.selection import (
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

# The baselines' shared proxy, cheap: 1 epoch of the default net.
_PROXY = TrainingDynamics(max_epochs=1)

# One table of cheap constructor arguments for every public estimator.
ESTIMATORS = [
    AIGNScorer(random_state=0),
    AIGNScorer(mode="eval", every=5, keep_history=False, random_state=0),
    EasyCoreSelector(frac=0.5, random_state=0),
    EasyCoreSelector(frac=0.5, class_balanced=False, random_state=0),
    RandomSelector(frac=0.5, random_state=0),
    ScoreSelector(AIGNScorer(random_state=0), frac=0.5, keep="middle"),
    TrainingDynamics(max_epochs=2, random_state=0),
    TrainingDynamics(mode="eval", every=2, max_epochs=2, keep_history=True, keep_outputs=False,
                     random_state=0),
    AveragedDynamics(_PROXY, n_runs=2, random_state=0),
    GraNdSelector(_PROXY, frac=0.5, random_state=0),
    EL2NSelector(_PROXY, n_repeats=2, score_epoch=1, frac=0.5, random_state=0),
    ForgettingSelector(_PROXY, frac=0.5, random_state=0),
    UncertaintySelector(_PROXY, method="margin", frac=0.5, random_state=0),
    DeepFoolSelector(_PROXY, max_iter=3, clip_values=None, frac=0.5, random_state=0),
    ModerateSelector(_PROXY, frac=0.5, random_state=0),
    HerdingSelector(_PROXY, frac=0.5, random_state=0),
    KCenterGreedySelector(_PROXY, frac=0.5, class_balanced=False, random_state=0),
    ContextualDiversitySelector(_PROXY, frac=0.5, random_state=0),
    CALSelector(_PROXY, n_neighbors=3, frac=0.5, random_state=0),
    GraphCutSelector(_PROXY, frac=0.5, random_state=0),
    FacilityLocationSelector(_PROXY, features="embedding", frac=0.5, class_balanced=False,
                             random_state=0),
    GlisterSelector(_PROXY, frac=0.5, random_state=0),
    HardCoreSelector(_PROXY, frac=0.5, random_state=0),
    MatchedRandomSelector(RandomSelector(frac=0.5, class_balanced=False), random_state=0),
    # the checks' tables are not pixels in [0, 1]: no clipping
    AdversarialTrainingClassifier(max_epochs=10, max_iter=1, clip_values=None, random_state=0),
]


@parametrize_with_checks(ESTIMATORS)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _expected_failed_checks(estimator):
    # imbalanced-learn runs its sparse-DataFrame check whenever DataFrames are
    # accepted, ignoring the `sparse=False` input tag; selectors need dense X.
    return {"check_samplers_pandas_sparse": "selectors accept dense inputs only"}


@imblearn_parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_imblearn_compatible(estimator, check):
    check(estimator)


# Public estimators the generic checks cannot fit, each with the reason and where its
# contract is tested instead.
NOT_GENERIC = {
    # reads the scores of one exact training set from a file: any other data is refused
    # by design; clone, parameters, pickling and refusal: tests/scoring/test_composites.py
    "PrecomputedDynamics",
    # imbalanced-learn's Pipeline, re-exported (sk_easycore.Pipeline): checked by
    # imbalanced-learn; the card's pipeline with our selectors: tests/test_card.py
    "Pipeline",
}


def test_table_covers_public_estimators():
    import sk_easycore
    import sk_easycore.robustness
    import sk_easycore.scoring
    import sk_easycore.selection

    covered = {type(e).__name__ for e in ESTIMATORS}
    public = {
        name for module in (sk_easycore, sk_easycore.scoring, sk_easycore.selection,
                            sk_easycore.robustness)
        for name in module.__all__
        if isinstance(getattr(module, name), type)
        and issubclass(getattr(module, name), BaseEstimator)
        and not inspect.isabstract(getattr(module, name))
    }
    assert public - NOT_GENERIC <= covered, public - NOT_GENERIC - covered
