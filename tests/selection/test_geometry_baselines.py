"""Moderate-DS, CAL, herding, k-center and contextual diversity on data with known answers."""

import numpy as np
import pytest

from sk_easycore.selection import (
    CALSelector,
    ContextualDiversitySelector,
    HerdingSelector,
    KCenterGreedySelector,
    ModerateSelector,
)
from tests.selection.fixed_proxy import FixedProxy, softmax


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.RandomState(0)
    y = np.repeat([0, 1, 2], 40)
    embeddings = rng.randn(120, 5) + 4 * np.eye(5)[y]
    probas = softmax(rng.randn(120, 3) + 3 * np.eye(3)[y])
    return np.zeros((120, 2)), y, embeddings, probas


def test_moderate_keeps_the_band_around_the_median_distance():
    values = np.array([0, 1, 3, 6, 10, 15, 21.0])
    embeddings = np.r_[values, values + 100][:, None]   # class 1: same shape, shifted
    y = np.repeat([0, 1], 7)
    fitted = ModerateSelector(FixedProxy(embeddings=embeddings), frac=3 / 7,
                              random_state=0).fit(np.zeros((14, 1)), y)
    # distances to the median (6): 6 5 3 0 4 9 15 -> middle three: 4, 5, 6
    np.testing.assert_array_equal(fitted.scores_[:7], [6, 5, 3, 0, 4, 9, 15])
    np.testing.assert_array_equal(fitted.sample_indices_, [0, 1, 4, 7, 8, 11])
    assert 3 not in fitted.sample_indices_  # the row nearest its class median is not kept


def test_moderate_scores_are_distances_to_the_class_median(blobs):
    X, y, embeddings, _ = blobs
    fitted = ModerateSelector(FixedProxy(embeddings=embeddings), random_state=0).fit(X, y)
    for label in range(3):
        rows = y == label
        median = np.median(embeddings[rows].astype(np.float32), axis=0)
        expected = np.linalg.norm(embeddings[rows].astype(np.float32) - median, axis=1)
        np.testing.assert_allclose(fitted.scores_[rows], expected, rtol=1e-5)


def brute_cal(embeddings, probas, groups, k):
    scores = np.zeros(len(probas))
    for rows in groups:
        distances = np.linalg.norm(embeddings[rows][:, None] - embeddings[rows][None], axis=2)
        np.fill_diagonal(distances, np.inf)
        for position, i in enumerate(rows):
            neighbours = rows[np.argsort(distances[position], kind="stable")[:k]]
            p, q = probas[neighbours], probas[i]
            scores[i] = np.mean(np.sum(p * np.log(p / q), axis=1))
    return scores


@pytest.mark.parametrize("class_balanced", [True, False])
def test_cal_scores_against_brute_force(blobs, class_balanced):
    X, y, embeddings, probas = blobs
    proxy = FixedProxy(embeddings=embeddings, probas=probas)
    fitted = CALSelector(proxy, n_neighbors=4, class_balanced=class_balanced,
                         random_state=0).fit(X, y)
    groups = [np.flatnonzero(y == c) for c in range(3)] if class_balanced else [np.arange(120)]
    expected = brute_cal(proxy.fit(X, y).embeddings_, proxy.probas_.astype(np.float64),
                         groups, 4)
    np.testing.assert_allclose(fitted.scores_, expected, rtol=1e-4)


def test_cal_keeps_rows_predicted_unlike_their_neighbours(blobs):
    X, y, embeddings, _ = blobs
    probas = np.tile([0.9, 0.05, 0.05], (120, 1))
    contrastive = [3, 17, 45, 80]
    probas[contrastive] = [0.1, 0.6, 0.3]
    fitted = CALSelector(FixedProxy(embeddings=embeddings, probas=probas), n_neighbors=5,
                         frac=0.1, class_balanced=False, random_state=0).fit(X, y)
    assert set(contrastive) <= set(fitted.sample_indices_)


def brute_herding(features, k):
    mean, picked = features.mean(axis=0), []
    for t in range(k):
        target = (t + 1) * mean - features[picked].sum(axis=0)
        cost = np.linalg.norm(target - features, axis=1)
        cost[picked] = np.inf
        picked.append(int(np.argmin(cost)))
    return picked


def test_herding_follows_the_class_mean(blobs):
    X, y, embeddings, _ = blobs
    fitted = HerdingSelector(FixedProxy(embeddings=embeddings), frac=0.2,
                             random_state=0).fit(X, y)
    features = FixedProxy(embeddings=embeddings).fit(X, y).embeddings_.astype(np.float64)
    rng = np.random.RandomState(1)
    for label in range(3):
        rows = np.flatnonzero(y == label)
        order = fitted.selection_order_[np.isin(fitted.selection_order_, rows)]
        np.testing.assert_array_equal(order, rows[brute_herding(features[rows], 8)])
        gap = np.linalg.norm(features[order].mean(0) - features[rows].mean(0))
        random_gaps = [np.linalg.norm(features[rng.choice(rows, 8, replace=False)].mean(0)
                                      - features[rows].mean(0)) for _ in range(50)]
        assert gap < 0.5 * np.median(random_gaps)


def brute_farthest_first(distances, first, k):
    picked = [first]
    while len(picked) < k:
        nearest = distances[:, picked].min(axis=1)
        nearest[picked] = -np.inf
        picked.append(int(np.argmax(nearest)))
    return picked


def test_k_center_greedy_picks_farthest_first(blobs):
    X, y, embeddings, _ = blobs
    fitted = KCenterGreedySelector(FixedProxy(embeddings=embeddings), frac=0.25,
                                   random_state=3).fit(X, y)
    features = FixedProxy(embeddings=embeddings).fit(X, y).embeddings_.astype(np.float64)
    for label in range(3):
        rows = np.flatnonzero(y == label)
        order = fitted.selection_order_[np.isin(fitted.selection_order_, rows)]
        distances = np.linalg.norm(features[rows][:, None] - features[rows][None], axis=2)
        first = int(np.flatnonzero(rows == order[0])[0])
        np.testing.assert_array_equal(order, rows[brute_farthest_first(distances, first, 10)])
    other_seed = KCenterGreedySelector(FixedProxy(embeddings=embeddings), frac=0.25,
                                       random_state=4).fit(X, y)
    assert other_seed.selection_order_[0] != fitted.selection_order_[0]


def test_k_center_greedy_on_a_line():
    embeddings = np.array([[0.0], [1.0], [2.0], [10.0], [20.0], [0.5]])
    y = np.zeros(6, dtype=int)
    y[5] = 1  # a second class, so the selection is valid; global selection
    fitted = KCenterGreedySelector(FixedProxy(embeddings=embeddings), frac=0.5,
                                   class_balanced=False, random_state=0).fit(np.zeros((6, 1)), y)
    first = fitted.selection_order_[0]
    distances = np.abs(embeddings - embeddings.T)
    np.testing.assert_array_equal(fitted.selection_order_,
                                  brute_farthest_first(distances, first, 3))
    assert 4 in fitted.sample_indices_ or first == 4  # the far end is always covered early


def test_contextual_diversity_uses_symmetric_kl_between_predictions(blobs):
    X, y, _, probas = blobs
    fitted = ContextualDiversitySelector(FixedProxy(probas=probas), frac=0.25,
                                         random_state=0).fit(X, y)
    p = FixedProxy(probas=probas).fit(X, y).probas_.astype(np.float64)
    for label in range(3):
        rows = np.flatnonzero(y == label)
        order = fitted.selection_order_[np.isin(fitted.selection_order_, rows)]
        q = p[rows]
        log_q = np.log(q)
        distances = 0.5 * ((q[:, None] - q[None]) * (log_q[:, None] - log_q[None])).sum(axis=2)
        first = int(np.flatnonzero(rows == order[0])[0])
        np.testing.assert_array_equal(order, rows[brute_farthest_first(distances, first, 10)])
