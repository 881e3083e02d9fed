"""EasyCoreSelector: lowest AIGN kept, seeding, caching, pipelines and grid search."""

import pickle

import numpy as np
import pytest
from imblearn.pipeline import Pipeline
from skorch import NeuralNetClassifier
from sklearn.model_selection import GridSearchCV

from sk_easycore import clear_score_cache
from sk_easycore.scoring import AIGNScorer
from sk_easycore.selection import EasyCoreSelector, ScoreSelector
from tests.conftest import make_cnn

N_INITIALIZED = []


class CountingNet(NeuralNetClassifier):
    """Counts its trainings (a fit read back from the disk cache is initialized, not trained)."""

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        N_INITIALIZED.append(1)
        return super().fit_loop(X, y, epochs=epochs, **fit_params)


def make_counting_scorer():
    params = make_cnn(max_epochs=2).get_params(deep=False)
    return AIGNScorer(CountingNet(**params))


def test_keeps_the_lowest_aign_of_each_class(digits_small):
    X, y = digits_small
    selector = EasyCoreSelector(AIGNScorer(make_cnn()), frac=0.3, random_state=0)
    X_res, y_res = selector.fit_resample(X, y)
    scores = selector.scores_
    for label in np.unique(y):
        rows = np.flatnonzero(y == label)
        kept = np.intersect1d(selector.sample_indices_, rows)
        assert len(kept) == int(np.floor(0.3 * len(rows) + 0.5))
        assert scores[kept].max() <= np.min(np.setdiff1d(scores[rows], scores[kept]))
    np.testing.assert_array_equal(X_res, X[selector.sample_indices_])
    np.testing.assert_array_equal(scores, selector.scorer_.scores_)


def test_global_selection_keeps_the_lowest_overall(digits_small):
    X, y = digits_small
    selector = EasyCoreSelector(AIGNScorer(make_cnn()), frac=0.2, class_balanced=False,
                                random_state=0).fit(X, y)
    kept = selector.scores_[selector.sample_indices_]
    dropped = np.delete(selector.scores_, selector.sample_indices_)
    assert len(kept) == 60 and kept.max() <= dropped.min()


def test_hard_rows_are_the_complement_of_easy_rows(digits_small):
    X, y = digits_small
    scores = AIGNScorer(make_cnn(), random_state=0).fit(X, y).scores_
    easy = EasyCoreSelector(scores, frac=0.5, class_balanced=False).fit(X, y)
    hard = ScoreSelector(scores, frac=0.5, keep="highest", class_balanced=False).fit(X, y)
    assert np.intersect1d(easy.sample_indices_, hard.sample_indices_).size == 0
    assert len(easy.sample_indices_) + len(hard.sample_indices_) == len(X)


def test_same_random_state_same_selection(digits_small):
    X, y = digits_small
    runs = []
    for _ in range(2):
        clear_score_cache()  # really retrain: bit-for-bit identity must not come from the cache
        runs.append(EasyCoreSelector(AIGNScorer(make_cnn()), random_state=7).fit(X, y))
    np.testing.assert_array_equal(runs[0].sample_indices_, runs[1].sample_indices_)
    assert np.array_equal(runs[0].scores_, runs[1].scores_)
    other = EasyCoreSelector(AIGNScorer(make_cnn()), random_state=8).fit(X, y)
    assert not np.array_equal(other.scores_, runs[0].scores_)


def test_scores_from_one_model_select_for_another(digits_small):
    X, y = digits_small
    scores = AIGNScorer(make_cnn(), random_state=0).fit(X, y).scores_
    selector = EasyCoreSelector(scores, frac=0.3).fit(X, y)
    direct = EasyCoreSelector(AIGNScorer(make_cnn(), random_state=0), frac=0.3).fit(X, y)
    np.testing.assert_array_equal(selector.sample_indices_, direct.sample_indices_)
    assert not hasattr(selector, "scorer_")


def test_class_too_small_for_its_quota(digits_small):
    X, y = digits_small
    keep = np.r_[np.flatnonzero(y != 3), np.flatnonzero(y == 3)[:2]]
    with pytest.raises(ValueError, match="keeps round\\(0.1 \\* 2\\) = 0 samples of class 3"):
        EasyCoreSelector(np.zeros(len(keep)), frac=0.1).fit(X[keep], y[keep])


def test_pickle_fitted_selector(digits_small):
    X, y = digits_small
    selector = EasyCoreSelector(AIGNScorer(make_cnn(max_epochs=1)), random_state=0).fit(X, y)
    restored = pickle.loads(pickle.dumps(selector))
    np.testing.assert_array_equal(restored.sample_indices_, selector.sample_indices_)
    np.testing.assert_array_equal(restored.scorer_.scores_, selector.scores_)


def test_grid_search_trains_the_scorer_once_per_fold(digits):
    X, y = digits
    X, y = X[:400], y[:400]
    N_INITIALIZED.clear()
    pipe = Pipeline([
        ("select", EasyCoreSelector(make_counting_scorer(), random_state=0)),
        ("net", make_cnn(max_epochs=2)),
    ])
    search = GridSearchCV(pipe, {"select__frac": [0.1, 0.3, 0.5, 1.0]}, cv=2)
    search.fit(X, y)
    # 2 folds + the refit on all rows; without the cache it would be 4 * 2 + 1 = 9
    assert len(N_INITIALIZED) == 3
    assert search.best_params_["select__frac"] in (0.1, 0.3, 0.5, 1.0)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    best_selector = search.best_estimator_.named_steps["select"]
    n_expected = sum(int(np.floor(search.best_params_["select__frac"] * c + 0.5))
                     for c in np.bincount(y))
    assert len(best_selector.sample_indices_) == n_expected
    # the selector is skipped at predict time: every test row gets a prediction
    assert search.predict(X[:37]).shape == (37,)


def test_unseeded_scorers_are_not_cached(digits_small):
    X, y = digits_small
    N_INITIALIZED.clear()
    for _ in range(2):
        EasyCoreSelector(make_counting_scorer()).fit(X, y)
    assert len(N_INITIALIZED) == 2


def test_disk_memory_survives_the_in_memory_cache(digits_small, tmp_path):
    X, y = digits_small
    N_INITIALIZED.clear()
    first = EasyCoreSelector(make_counting_scorer(), memory=str(tmp_path), random_state=0)
    first.fit(X, y)
    clear_score_cache()
    second = EasyCoreSelector(make_counting_scorer(), memory=str(tmp_path), random_state=0)
    second.fit(X, y)
    assert len(N_INITIALIZED) == 1
    np.testing.assert_array_equal(first.scores_, second.scores_)
