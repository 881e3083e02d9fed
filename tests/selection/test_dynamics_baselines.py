"""GraNd, EL2N, forgetting, HardCore, uncertainty and DeepFool: directions and closed forms."""

import numpy as np
import pytest
import torch
from scipy.stats import entropy
from skorch import NeuralNetClassifier
from sklearn.base import BaseEstimator
from torch import nn

from sk_easycore.scoring import TrainingDynamics
from sk_easycore.selection import (
    DeepFoolSelector,
    EasyCoreSelector,
    EL2NSelector,
    ForgettingSelector,
    GraNdSelector,
    HardCoreSelector,
    UncertaintySelector,
)
from tests.conftest import make_cnn
from tests.selection.fixed_proxy import FixedProxy, softmax

Y = np.repeat([0, 1], 6)
X = np.arange(24.0).reshape(12, 2)
SCORES = np.array([5, 1, 9, 3, 7, 2, 0.5, 8, 4, 6, 0.1, 3.5])


def kept_per_class(selector):
    return {label: set(selector.sample_indices_[Y[selector.sample_indices_] == label])
            for label in (0, 1)}


@pytest.mark.parametrize("selector, attribute", [
    (GraNdSelector, "grand"),
    (EL2NSelector, "el2n"),
    (HardCoreSelector, "scores"),
    (ForgettingSelector, "forgetting"),
])
def test_dynamics_selectors_keep_the_highest(selector, attribute):
    proxy = FixedProxy(**{attribute: SCORES})
    fitted = selector(proxy, frac=0.5, random_state=0).fit(X, Y)
    assert kept_per_class(fitted) == {0: {0, 2, 4}, 1: {7, 8, 9}}
    np.testing.assert_array_equal(fitted.scores_, SCORES)
    overall = selector(proxy, frac=0.25, class_balanced=False, random_state=0).fit(X, Y)
    np.testing.assert_array_equal(overall.sample_indices_, [2, 4, 7])  # 9, 7, 8


def test_hardcore_is_the_complement_of_easycore():
    proxy = FixedProxy(scores=SCORES)
    hard = HardCoreSelector(proxy, frac=0.5, random_state=0).fit(X, Y)
    easy = EasyCoreSelector(proxy, frac=0.5, random_state=0).fit(X, Y)
    assert set(hard.sample_indices_) | set(easy.sample_indices_) == set(range(12))
    assert not set(hard.sample_indices_) & set(easy.sample_indices_)


def test_forgetting_ties_break_by_training_loss():
    forgetting = np.array([2, 0, 0, 0, 1, 1, 3, 0, 0, 0, 0, 0], dtype=float)
    loss = np.array([0.1, 0.5, 0.9, 0.2, 0.3, 0.4, 0.1, 0.8, 0.2, 0.7, 0.3, 0.6])
    fitted = ForgettingSelector(FixedProxy(forgetting=forgetting, loss=loss), frac=0.5,
                                random_state=0).fit(X, Y)
    # class 0: counts 2, 1, 1 first; class 1: count 3, then the highest losses among zeros
    assert kept_per_class(fitted) == {0: {0, 4, 5}, 1: {6, 7, 9}}


def test_uncertainty_keeps_the_most_uncertain_of_each_measure():
    confident = [0.96, 0.02, 0.02]
    probas = np.array([confident] * 12)
    probas[1] = [0.5, 0.5, 0.0]    # flat between two classes: smallest margin
    probas[2] = [0.6, 0.2, 0.2]    # spread over three: highest entropy
    probas[8] = [0.34, 0.33, 0.33]  # the most uncertain in every sense
    proxy = FixedProxy(probas=probas)
    kept = {}
    for method in ("least_confidence", "entropy", "margin"):
        fitted = UncertaintySelector(proxy, method=method, frac=1 / 6,
                                     random_state=0).fit(X, Y)
        kept[method] = kept_per_class(fitted)
        assert kept[method][1] == {8}
    assert kept["least_confidence"][0] == {1} and kept["margin"][0] == {1}
    assert kept["entropy"][0] == {2}


@pytest.fixture(scope="module")
def trained_proxy(digits_small):
    X, y = digits_small
    return TrainingDynamics(make_cnn(max_epochs=3, lr=0.3), random_state=0).fit(X, y)


def independent_probas(proxy, X):
    module = proxy.net_.module_.eval()
    with torch.no_grad():
        return softmax(module(torch.as_tensor(X)).numpy())


def test_el2n_and_uncertainty_agree_with_an_independent_computation(digits_small, trained_proxy):
    X, y = digits_small
    probas = independent_probas(trained_proxy, X)
    el2n = np.linalg.norm(probas - np.eye(10)[y], axis=1)
    top2 = np.sort(probas, axis=1)[:, -2:]
    expected = {
        "least_confidence": 1 - probas.max(axis=1),
        "entropy": entropy(probas, axis=1),
        "margin": 1 - (top2[:, 1] - top2[:, 0]),
    }
    selector = EL2NSelector(trained_proxy, random_state=0).fit(X, y)
    np.testing.assert_allclose(selector.scores_, el2n, rtol=1e-5, atol=1e-7)
    for method, scores in expected.items():
        selector = UncertaintySelector(trained_proxy, method=method, random_state=0).fit(X, y)
        np.testing.assert_allclose(selector.scores_, scores, rtol=1e-4, atol=1e-6)
        for label in range(10):  # kept rows are the most uncertain of their class
            rows = np.flatnonzero(y == label)
            kept = np.intersect1d(rows, selector.sample_indices_)
            dropped = np.setdiff1d(rows, kept)
            assert scores[kept].min() >= scores[dropped].max() - 1e-6


def test_early_scores_average_repeated_short_trainings(digits_small):
    X, y = digits_small
    proxy = TrainingDynamics(make_cnn(max_epochs=3), random_state=5)
    selector = EL2NSelector(proxy, n_repeats=2, score_epoch=1).fit(X, y)
    runs = [TrainingDynamics(make_cnn(max_epochs=3), max_epochs=1, random_state=seed).fit(X, y)
            for seed in (5, 6)]
    np.testing.assert_allclose(selector.scores_, (runs[0].el2n_ + runs[1].el2n_) / 2)
    assert all(len(p.net_.history) == 1 for p in selector.proxies_)


class LinearProxy(BaseEstimator):
    """A proxy whose net is a fixed linear classifier (no training)."""

    def __init__(self, weight=None, bias=None, random_state=None):
        self.weight = weight
        self.bias = bias
        self.random_state = random_state

    def fit(self, X, y):
        layer = nn.Linear(self.weight.shape[1], self.weight.shape[0])
        with torch.no_grad():
            layer.weight.copy_(torch.as_tensor(self.weight))
            layer.bias.copy_(torch.as_tensor(self.bias))
        self.net_ = NeuralNetClassifier(layer, criterion=nn.CrossEntropyLoss, verbose=0)
        self.net_.initialize()
        return self


def test_deepfool_finds_the_distance_to_a_linear_boundary(rng):
    weight = rng.randn(3, 4).astype(np.float32)
    bias = rng.randn(3).astype(np.float32)
    Xf = rng.randn(40, 4).astype(np.float32)
    yf = np.repeat([0, 1], 20)
    logits = Xf @ weight.T + bias
    pred = logits.argmax(1)
    # distance to the nearest other class's hyperplane: min_k |f_k - f_c| / ||w_k - w_c||
    gaps = np.abs(logits - logits[np.arange(40), pred][:, None])
    norms = np.linalg.norm(weight[None, :, :] - weight[pred][:, None, :], axis=2)
    norms[np.arange(40), pred] = 1.0
    gaps[np.arange(40), pred] = np.inf
    distance = (gaps / norms).min(axis=1)
    selector = DeepFoolSelector(LinearProxy(weight, bias), clip_values=None, frac=0.25,
                                random_state=0).fit(Xf, yf)
    np.testing.assert_allclose(selector.scores_, distance, rtol=1e-3)
    for label in (0, 1):  # the closest to the boundary are kept
        rows = np.flatnonzero(yf == label)
        kept = np.intersect1d(rows, selector.sample_indices_)
        assert distance[kept].max() <= distance[np.setdiff1d(rows, kept)].min()


def test_deepfool_refuses_inputs_outside_clip_values(rng):
    weight, bias = rng.randn(2, 4), rng.randn(2)
    with pytest.raises(ValueError, match="outside clip_values"):
        DeepFoolSelector(LinearProxy(weight, bias), random_state=0).fit(
            rng.randn(10, 4) * 3, np.repeat([0, 1], 5))
