import sys
import types

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from matplotlib.colors import LogNorm, Normalize
from sklearn.decomposition import PCA

from sk_easycore.models import ResidualMLP
from sk_easycore.plotting import embed_2d, plot_embedding


@pytest.fixture
def features():
    rng = np.random.default_rng(0)
    return rng.normal(size=(60, 12)) * np.arange(1, 13), rng.gamma(2.0, size=60)


@pytest.fixture
def no_umap(monkeypatch):
    monkeypatch.setitem(sys.modules, "umap", None)  # makes `import umap` raise ImportError


def test_pca_points_coloured_by_score_hardest_on_top(features, no_umap):
    X, scores = features
    y = np.repeat([0, 1, 2], 20)
    ax = plot_embedding(X, scores, y=y, ax=plt.figure().gca())
    dots = ax.collections[0]
    order = np.argsort(scores, kind="stable")
    np.testing.assert_allclose(dots.get_offsets(), PCA(2).fit_transform(X)[order])
    np.testing.assert_allclose(dots.get_array(), scores[order])
    assert isinstance(dots.norm, LogNorm)
    assert (dots.norm.vmin, dots.norm.vmax) == (scores.min(), scores.max())
    assert ax.get_title() == "AIGN of 60 samples on penultimate features (PCA)"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("PCA 1", "PCA 2")
    assert [t.get_text() for t in ax.texts] == ["0", "1", "2"]
    # outlined, not boxed: a label covers no more points than its glyphs
    assert all(t.get_bbox_patch() is None and t.get_path_effects() for t in ax.texts)
    colorbar = ax.figure.axes[-1]
    assert colorbar.get_ylabel() == "AIGN (log scale)"


def test_a_rare_hard_sample_is_drawn_on_top_of_the_easy_crowd(no_umap):
    # The hard sample comes first in the data, on the same spot as 300 easy ones
    # (a ring of easy ones around them gives PCA a spread): drawn in data order, the
    # easy dots would cover it.
    angles = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    ring = np.column_stack([np.cos(angles), np.sin(angles)])
    features = np.vstack([np.zeros((301, 2)), ring])
    scores = np.r_[100.0, np.full(340, 1.0)]
    fig = plt.figure(figsize=(3, 3), dpi=100)
    ax = plot_embedding(features, scores, ax=fig.gca())
    dots = ax.collections[0]
    assert dots.get_array()[-1] == scores.max()  # drawn last
    assert dots.get_zorder() >= max(a.get_zorder() for a in ax.collections)
    fig.canvas.draw()
    x, y = ax.transData.transform(PCA(2).fit_transform(features)[0])
    pixels = np.asarray(fig.canvas.buffer_rgba())
    seen = pixels[pixels.shape[0] - int(round(y)), int(round(x)), :3] / 255
    np.testing.assert_allclose(seen, dots.cmap(1.0)[:3], atol=0.05)  # the top colour


def test_linear_colours_when_a_score_is_not_positive(features, no_umap):
    X, scores = features
    scores = scores - scores.min()
    ax = plot_embedding(X, scores, label="forgetting", ax=plt.figure().gca())
    assert type(ax.collections[0].norm) is Normalize
    assert ax.figure.axes[-1].get_ylabel() == "forgetting (linear scale)"


def test_umap_when_installed(features, monkeypatch):
    calls = {}

    class UMAP:
        def __init__(self, n_components, random_state):
            calls.update(n_components=n_components, random_state=random_state)

        def fit_transform(self, X):
            return X[:, :2] * 10

    monkeypatch.setitem(sys.modules, "umap", types.SimpleNamespace(UMAP=UMAP))
    X, scores = features
    ax = plot_embedding(X, scores, random_state=3, ax=plt.figure().gca())
    assert ax.get_title().endswith("(UMAP)") and ax.get_xlabel() == "UMAP 1"
    assert calls == {"n_components": 2, "random_state": 3}
    points, used = embed_2d(X, method="pca")
    assert used == "PCA"


def test_umap_requested_but_missing_says_how_to_install(features, no_umap):
    with pytest.raises(ImportError, match=r"sk-easycore\[umap\]"):
        embed_2d(features[0], method="umap")
    with pytest.raises(ValueError, match="method"):
        embed_2d(features[0], method="tsne")


def test_training_dynamics_embeddings_and_scores_are_used(features, no_umap):
    X, scores = features
    proxy = types.SimpleNamespace(embeddings_=X, scores_=scores)
    ax = plot_embedding(proxy, ax=plt.figure().gca())
    np.testing.assert_allclose(np.sort(ax.collections[0].get_array()), np.sort(scores))


def test_module_embed_in_eval_mode_and_state_restored(no_umap):
    torch.manual_seed(0)
    module = ResidualMLP(n_classes=3, n_blocks=1, width=8).train()
    X = np.random.default_rng(0).uniform(size=(30, 2)).astype(np.float32)
    scores = np.arange(1.0, 31.0)
    net = types.SimpleNamespace(module_=module)  # a fitted skorch net exposes module_
    ax = plot_embedding(net, scores, X=X, ax=plt.figure().gca())
    with torch.no_grad():
        expected = PCA(2).fit_transform(module.eval().embed(torch.as_tensor(X)).numpy())
    np.testing.assert_allclose(ax.collections[0].get_offsets(), expected, atol=1e-4)
    module.train()
    plot_embedding(module, scores, X=X, ax=plt.figure().gca())
    assert module.training
    with pytest.raises(ValueError, match="X is needed"):
        plot_embedding(module, scores)
    with pytest.raises(ValueError, match="30 scores for 60"):
        plot_embedding(np.zeros((60, 3)), scores)
