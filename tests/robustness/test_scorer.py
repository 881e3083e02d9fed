"""make_robust_scorer in GridSearchCV: the coreset fraction chosen by adversarial accuracy."""

import pickle

import numpy as np
import pytest
from imblearn.pipeline import Pipeline
from sklearn.model_selection import GridSearchCV

from sk_easycore.robustness import adversarial_accuracy, make_robust_scorer
from sk_easycore.scoring import AIGNScorer
from sk_easycore.selection import EasyCoreSelector
from tests.conftest import make_cnn


def _pipe():
    return Pipeline([
        ("select", EasyCoreSelector(AIGNScorer(make_cnn(max_epochs=2)), random_state=0)),
        ("net", make_cnn(max_epochs=4)),
    ])


def test_grid_search_picks_the_fraction_by_adversarial_accuracy(digits):
    X, y = digits[0][:240], digits[1][:240]
    scorer = make_robust_scorer("pgd", eps=0.1, max_iter=3)
    search = GridSearchCV(_pipe(), {"select__frac": [0.3, 1.0]}, cv=2,
                          scoring=scorer, error_score="raise").fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.all((0 <= scores) & (scores <= 1))
    assert search.best_params_["select__frac"] == [0.3, 1.0][int(np.argmax(scores))]
    direct = adversarial_accuracy(search.best_estimator_, X, y, "pgd", eps=0.1, max_iter=3)
    assert scorer(search.best_estimator_, X, y) == pytest.approx(direct)


def test_multi_metric_with_refit_on_the_robust_score(digits):
    X, y = digits[0][:240], digits[1][:240]
    search = GridSearchCV(
        _pipe(), {"select__frac": [0.3, 1.0]}, cv=2, error_score="raise",
        scoring={"clean": "accuracy", "pgd": make_robust_scorer("pgd", eps=0.1, max_iter=3)},
        refit="pgd",
    ).fit(X, y)
    results = search.cv_results_
    assert search.best_index_ == int(np.argmax(results["mean_test_pgd"]))
    assert np.all(results["mean_test_pgd"] <= results["mean_test_clean"] + 1e-9)
    assert hasattr(search.best_estimator_, "predict")


def test_sample_weight_repr_pickle_and_early_errors(trained_net, digits_split):
    _, _, X, y = digits_split
    scorer = make_robust_scorer("fgsm", eps=0.1)
    weights = np.zeros(len(y))
    weights[:10] = 1
    assert scorer(trained_net, X, y, sample_weight=weights) == pytest.approx(
        adversarial_accuracy(trained_net, X[:10], y[:10], "fgsm", 0.1))
    assert repr(scorer) == "make_robust_scorer(attack='fgsm', eps=0.1)"
    assert repr(pickle.loads(pickle.dumps(scorer))) == repr(scorer)
    with pytest.raises(ValueError, match="eps must be"):
        make_robust_scorer("pgd", eps=-1)
    with pytest.raises(ValueError, match="attack must be one of"):
        make_robust_scorer("deepfool")
    with pytest.raises(ValueError, match="eps_step"):
        make_robust_scorer("pgd", eps=0.1, eps_step=0.3)
    with pytest.raises(ValueError, match="clip_values"):
        make_robust_scorer("pgd", clip_values=(0, 0))
