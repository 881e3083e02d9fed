"""scikit-learn's and imbalanced-learn's estimator checks over every public estimator."""

import pytest
from imblearn.utils.estimator_checks import (
    parametrize_with_checks as imblearn_parametrize_with_checks,
)
from sklearn.utils.estimator_checks import parametrize_with_checks

from sk_easycore.scoring import AIGNScorer
from sk_easycore.selection import EasyCoreSelector, RandomSelector, ScoreSelector

# One table of cheap constructor arguments for every public estimator.
ESTIMATORS = [
    AIGNScorer(random_state=0),
    AIGNScorer(mode="eval", every=5, keep_history=False, random_state=0),
    EasyCoreSelector(fraction=0.5, random_state=0),
    EasyCoreSelector(fraction=0.5, class_balanced=False, random_state=0),
    RandomSelector(fraction=0.5, random_state=0),
    ScoreSelector(AIGNScorer(random_state=0), fraction=0.5, keep="middle"),
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


def test_table_covers_public_estimators():
    import sk_easycore

    covered = {type(e).__name__ for e in ESTIMATORS}
    public = {
        name for name in sk_easycore.__all__
        if isinstance(getattr(sk_easycore, name), type)
    }
    assert public <= covered, public - covered
