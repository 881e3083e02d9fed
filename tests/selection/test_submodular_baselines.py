"""Facility location, graph cut and GLISTER against naive dense and autograd references."""

import tracemalloc

import numpy as np
import pytest
import torch

from sk_easycore.selection import FacilityLocationSelector, GlisterSelector, GraphCutSelector
from sk_easycore.selection import _similarity
from sk_easycore.selection._glister import glister
from sk_easycore.selection._similarity import CosineSimilarity
from sk_easycore.selection._submodular import facility_location
from tests.selection.fixed_proxy import FixedProxy, softmax


@pytest.fixture(scope="module")
def outputs():
    rng = np.random.RandomState(0)
    y = np.repeat([0, 1, 2], 30)
    embeddings = np.maximum(rng.randn(90, 6) + 2 * np.eye(6)[y], 0).astype(np.float32)
    probas = softmax(rng.randn(90, 3) + 2 * np.eye(3)[y]).astype(np.float32)
    return np.zeros((90, 1)), y, embeddings, probas


def explicit_similarity(embeddings, probas, y, features):
    """(1 + cos) / 2 between explicitly built last-layer gradients or embeddings, float64."""
    if features == "gradient":
        errors = probas.astype(np.float64) - np.eye(probas.shape[1])[y]
        with_bias = np.hstack([embeddings, np.ones((len(y), 1))])
        vectors = (errors[:, :, None] * with_bias[:, None, :]).reshape(len(y), -1)
    else:
        vectors = embeddings.astype(np.float64)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    return 0.5 + 0.5 * unit @ unit.T


def naive_facility_location(S, k):
    covered, picked = np.zeros(len(S)), []
    for _ in range(k):
        gains = np.maximum(S - covered[:, None], 0).sum(axis=0)
        gains[picked] = -np.inf
        picked.append(int(np.argmax(gains)))
        covered = np.maximum(covered, S[:, picked[-1]])
    return picked


def naive_graph_cut(S, k, lam):
    picked = []
    for _ in range(k):
        value = lambda A: S[:, A].sum() - lam * S[np.ix_(A, A)].sum()  # noqa: E731
        gains = np.array([value(picked + [j]) - value(picked) if j not in picked else -np.inf
                          for j in range(len(S))])
        picked.append(int(np.argmax(gains)))
    return picked


@pytest.mark.parametrize("features", ["gradient", "embedding"])
@pytest.mark.parametrize("method", ["facility_location", "graph_cut"])
def test_greedy_order_equals_the_naive_dense_greedy(outputs, features, method):
    X, y, embeddings, probas = outputs
    proxy = FixedProxy(embeddings=embeddings, probas=probas)
    if method == "facility_location":
        selector = FacilityLocationSelector(proxy, features=features, frac=0.2)
    else:
        selector = GraphCutSelector(proxy, lam=0.7, features=features, frac=0.2)
    fitted = selector.set_params(random_state=0).fit(X, y)
    for label in range(3):
        rows = np.flatnonzero(y == label)
        S = explicit_similarity(embeddings[rows], probas[rows], y[rows], features)
        expected = (naive_facility_location(S, 6) if method == "facility_location"
                    else naive_graph_cut(S, 6, 0.7))
        order = fitted.selection_order_[np.isin(fitted.selection_order_, rows)]
        np.testing.assert_array_equal(order, rows[expected])


def test_on_demand_similarity_matches_dense_and_stays_small(monkeypatch):
    rng = np.random.RandomState(1)
    features = rng.randn(2000, 8).astype(np.float32)
    dense = CosineSimilarity(features)
    monkeypatch.setattr(_similarity, "_BLOCK_BYTES", 2**20)
    tracemalloc.start()
    blocked = CosineSimilarity(features, dense_bytes=0)
    order = facility_location(blocked, 40)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert dense.dense is not None and blocked.dense is None
    assert peak < 2000 * 2000 * 4 / 4  # far below one dense float32 matrix
    np.testing.assert_array_equal(order, facility_location(dense, 40))
    np.testing.assert_allclose(blocked.column_sums(), dense.column_sums(), rtol=1e-5)


def reference_glister(H, Y, Hv, Yv, W0, b0, k, eta):
    """GLISTER with autograd: training gradients at theta_0, the validation gradient re-taken."""
    W0, b0 = torch.tensor(W0, dtype=torch.float64), torch.tensor(b0, dtype=torch.float64)
    H, Hv = torch.tensor(H, dtype=torch.float64), torch.tensor(Hv, dtype=torch.float64)
    Y, Yv = torch.tensor(Y), torch.tensor(Yv)
    grads = []
    for h, label in zip(H, Y):
        W, b = W0.clone().requires_grad_(True), b0.clone().requires_grad_(True)
        loss = torch.nn.functional.cross_entropy((h @ W.T + b)[None], label[None])
        grads.append(torch.cat([g.ravel() for g in torch.autograd.grad(loss, [W, b])]))
    grads, picked = torch.stack(grads), []
    for _ in range(k):
        step = grads[picked].mean(0) if picked else torch.zeros_like(grads[0])
        W = (W0 - eta * step[: W0.numel()].reshape(W0.shape)).requires_grad_(True)
        b = (b0 - eta * step[W0.numel():]).requires_grad_(True)
        val_loss = torch.nn.functional.cross_entropy(Hv @ W.T + b, Yv)
        val_grad = torch.cat([g.ravel() for g in torch.autograd.grad(val_loss, [W, b])])
        gains = grads @ val_grad
        gains[picked] = -np.inf
        picked.append(int(torch.argmax(gains)))
    return picked


def test_glister_matches_autograd_and_updates_the_validation_gradient():
    rng = np.random.RandomState(2)
    W0, b0 = rng.randn(3, 5), rng.randn(3)
    H, Hv = rng.randn(40, 5), rng.randn(15, 5)
    Y, Yv = rng.randint(0, 3, 40), rng.randint(0, 3, 15)
    errors = softmax(H @ W0.T + b0) - np.eye(3)[Y]
    orders = {eta: glister(H, errors, Hv, Hv @ W0.T + b0, Yv, 10, eta=eta).tolist()
              for eta in (0.0, 2.0)}
    assert orders[2.0] == reference_glister(H, Y, Hv, Yv, W0, b0, 10, 2.0)
    assert orders[0.0] == reference_glister(H, Y, Hv, Yv, W0, b0, 10, 0.0)
    assert orders[0.0] != orders[2.0]  # the validation gradient really moves


def test_glister_selector_uses_a_stratified_validation_subset(outputs):
    X, y, embeddings, probas = outputs
    proxy = FixedProxy(embeddings=embeddings, probas=probas)
    fitted = GlisterSelector(proxy, validation=0.2, frac=0.1, random_state=0).fit(X, y)
    val = fitted.validation_indices_
    assert np.bincount(y[val]).tolist() == [6, 6, 6]
    rows = np.flatnonzero(y == 1)
    same = val[y[val] == 1]
    errors = probas[rows].astype(np.float64) - np.eye(3)[1]
    expected = glister(embeddings[rows], errors, embeddings[same], np.log(probas[same]),
                       y[same], 3, eta=0.1)
    np.testing.assert_array_equal(fitted.selection_order_[3:6], rows[expected])
    again = GlisterSelector(proxy, validation=0.2, frac=0.1, random_state=0).fit(X, y)
    np.testing.assert_array_equal(again.sample_indices_, fitted.sample_indices_)
