"""The selector base and its ranking core, on precomputed scores (no training)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from sk_easycore.base import class_quotas, n_to_keep, select_by_score
from sk_easycore.selection import ScoreSelector


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    X = rng.rand(40, 3)
    y = np.repeat([0, 1, 2, 3], 10)
    scores = rng.rand(40)
    return X, y, scores


def test_keep_rules_against_sorting(data):
    _, _, scores = data
    order = np.argsort(scores)
    np.testing.assert_array_equal(select_by_score(scores, 0.25), np.sort(order[:10]))
    np.testing.assert_array_equal(
        select_by_score(scores, 0.25, keep="highest"), np.sort(order[-10:]))
    np.testing.assert_array_equal(
        select_by_score(scores, 0.25, keep="middle"), np.sort(order[15:25]))


def test_ties_break_by_row_order():
    scores = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0])
    np.testing.assert_array_equal(select_by_score(scores, 0.5), [1, 3, 5])
    np.testing.assert_array_equal(select_by_score(np.ones(6), 0.5), [0, 1, 2])
    np.testing.assert_array_equal(select_by_score(np.ones(6), 0.5, keep="highest"), [0, 1, 2])


def test_class_balanced_keeps_the_lowest_of_each_class(data):
    _, y, scores = data
    kept = select_by_score(scores, 0.3, y=y, class_balanced=True)
    for label in range(4):
        rows = np.flatnonzero(y == label)
        expected = rows[np.argsort(scores[rows])[:3]]
        np.testing.assert_array_equal(np.intersect1d(kept, rows), np.sort(expected))
    assert len(kept) == 12


def test_quotas_round_half_up_and_refuse_empty_classes():
    assert n_to_keep(10, 0.25) == 3 and n_to_keep(10, 0.24) == 2
    assert class_quotas([0] * 9 + [1] * 3, 0.5) == {0: 5, 1: 2}
    with pytest.raises(ValueError, match="keeps round\\(0.1 \\* 3\\) = 0 samples of class 1"):
        class_quotas([0] * 20 + [1] * 3, 0.1)
    with pytest.raises(ValueError, match="frac=0.01 of 20 samples keeps 0 samples"):
        select_by_score(np.arange(20.0), 0.01)


def test_selector_attributes_and_support(data):
    X, y, scores = data
    selector = ScoreSelector(scores, frac=0.2).fit(X, y)
    assert selector.sampling_strategy_ == {0: 2, 1: 2, 2: 2, 3: 2}
    mask = selector.get_support()
    assert mask.shape == (40,) and mask.sum() == 8
    np.testing.assert_array_equal(np.flatnonzero(mask), selector.get_support(indices=True))
    np.testing.assert_array_equal(selector.scores_, scores)
    X_res, y_res = clone(selector).fit_resample(X, y)
    np.testing.assert_array_equal(X_res, X[selector.sample_indices_])
    np.testing.assert_array_equal(y_res, y[selector.sample_indices_])


def test_fraction_one_keeps_everything(data):
    X, y, scores = data
    X_res, _ = ScoreSelector(scores, frac=1.0).fit_resample(X, y)
    np.testing.assert_array_equal(X_res, X)


@pytest.mark.parametrize("frac", [0, 0.0, -0.1, 1.01, 2])
def test_fraction_outside_unit_interval_is_refused(data, frac):
    X, y, scores = data
    with pytest.raises(ValueError, match=r"'frac' parameter .* range \(0.0, 1.0\]"):
        ScoreSelector(scores, frac=frac).fit_resample(X, y)


def test_bad_scores_are_clear_errors(data):
    X, y, scores = data
    with pytest.raises(ValueError, match=r"must have shape \(40,\).*got shape \(39,\)"):
        ScoreSelector(scores[:-1]).fit(X, y)
    with pytest.raises(ValueError, match="contain 1 NaN or infinite"):
        ScoreSelector(np.where(np.arange(40) == 3, np.nan, scores)).fit(X, y)
    with pytest.raises(ValueError, match=r"scorer\(X, y\) must have shape"):
        ScoreSelector(lambda X, y: np.zeros(3)).fit(X, y)
    with pytest.raises(ValueError, match="at least 2 classes"):
        ScoreSelector(scores).fit(X, np.zeros(40))


def test_callable_scorer_and_containers(data):
    X, y, scores = data
    selector = ScoreSelector(lambda X, y: X[:, 0], frac=0.5, class_balanced=False)
    X_df = pd.DataFrame(X, columns=["a", "b", "c"])
    X_res, y_res = selector.fit_resample(X_df, pd.Series(y, name="label"))
    assert isinstance(X_res, pd.DataFrame) and list(X_res.columns) == ["a", "b", "c"]
    assert y_res.name == "label"
    assert X_res["a"].max() <= np.median(X[:, 0]) + 1e-12
    X_list, y_list = selector.fit_resample(X.tolist(), y.tolist())
    assert isinstance(X_list, list) and len(X_list) == 20


def test_images_keep_their_rank():
    rng = np.random.RandomState(0)
    X = rng.rand(12, 3, 4, 4).astype(np.float32)
    y = np.repeat([0, 1], 6)
    X_res, y_res = ScoreSelector(np.arange(12.0), frac=0.5).fit_resample(X, y)
    assert X_res.shape == (6, 3, 4, 4) and X_res.dtype == np.float32
    np.testing.assert_array_equal(X_res, X[[0, 1, 2, 6, 7, 8]])
