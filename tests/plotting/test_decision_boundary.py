import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.neighbors import KNeighborsClassifier

from sk_easycore import RandomSelector, ScoreSelector
from sk_easycore.datasets import make_synthetic_2d
from sk_easycore.plotting import plot_coreset_boundaries, plot_decision_boundary
from sk_easycore.plotting._common import class_colors


class LeftRight(ClassifierMixin, BaseEstimator):
    """Predicts label 4 left of x = 0.5 and label 8 right of it."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.where(np.asarray(X)[:, 0] < 0.5, 4, 8)


@pytest.fixture(scope="module")
def spiral():
    return make_synthetic_2d(240, random_state=0)


def scatter_points(ax):
    return {c.get_label(): c for c in ax.collections}


def test_background_is_the_predicted_class_in_class_colours():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [0.2, 0.8], [0.9, 0.1]])
    y = np.array([4, 8, 4, 8])
    ax = plot_decision_boundary(LeftRight(), X, y, resolution=20, ax=plt.figure().gca())
    image = ax.images[0]
    predicted = np.asarray(image.get_array())
    assert predicted.shape == (20, 20)
    xs = np.linspace(*image.get_extent()[:2], 20)
    # column j holds class index 0 (label 4) left of 0.5, 1 (label 8) right of it
    np.testing.assert_array_equal(predicted[0], (xs >= 0.5).astype(int))
    assert (predicted == predicted[0]).all()
    colors = class_colors(2)
    np.testing.assert_allclose(image.cmap(image.norm(0)), colors[0])
    np.testing.assert_allclose(image.cmap(image.norm(1)), colors[1])
    points = scatter_points(ax)
    assert list(points) == ["class 4", "class 8"]
    assert to_rgba(points["class 4"].get_facecolor()[0]) == tuple(colors[0])
    assert ax.get_xlabel() == "x[0]" and ax.get_title() == "LeftRight"


def test_coreset_points_are_marked_per_class(spiral):
    X, y = spiral
    coreset = np.arange(0, 240, 4)
    knn = KNeighborsClassifier().fit(X, y)
    ax = plot_decision_boundary(knn, X, y, coreset=coreset, ax=plt.figure().gca(), title="t")
    points = scatter_points(ax)
    assert list(points) == ["not in coreset (180)", "class 0 in coreset",
                            "class 1 in coreset", "class 2 in coreset"]
    for k, color in enumerate(class_colors(3)):
        marked = points[f"class {k} in coreset"]
        np.testing.assert_allclose(marked.get_offsets(), X[coreset][y[coreset] == k])
        assert to_rgba(marked.get_facecolor()[0]) == tuple(color)
        assert to_rgba(marked.get_edgecolor()[0]) == to_rgba("k")
    rest = points["not in coreset (180)"]
    np.testing.assert_allclose(rest.get_facecolor()[:, :3], class_colors(3)[y[np.setdiff1d(
        np.arange(240), coreset)]][:, :3])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == list(points)
    # a boolean mask marks the same rows
    mask = np.zeros(240, bool)
    mask[coreset] = True
    ax2 = plot_decision_boundary(knn, X, y, coreset=mask, ax=plt.figure().gca())
    assert list(scatter_points(ax2)) == list(points)


def test_two_columns_only(spiral):
    X, y = spiral
    with pytest.raises(ValueError, match="two columns"):
        plot_decision_boundary(LeftRight(), np.c_[X, X[:, :1]], y, ax=plt.figure().gca())


def test_easy_hard_random_side_by_side_in_one_call(spiral):
    X, y = spiral
    scores = np.linalg.norm(X - 0.5, axis=1)  # hard = far from the centre, here
    easy = ScoreSelector(scores, keep="lowest", frac=0.25)
    coresets = {"easy": easy, "hard": ScoreSelector(scores, keep="highest", frac=0.25),
                "random": RandomSelector(frac=0.25, random_state=0),
                "first 30": np.arange(30)}
    X_test, y_test = make_synthetic_2d(90, random_state=1)
    axes = plot_coreset_boundaries(KNeighborsClassifier(3), X, y, coresets,
                                   X_test=X_test, y_test=y_test, resolution=40)
    assert len(axes) == 4 and len({ax.figure for ax in axes}) == 1
    assert [ax.get_title().split("\n")[0] for ax in axes] == [
        "easy: 60 points", "hard: 60 points", "random: 60 points", "first 30: 30 points"]
    assert all("test accuracy" in ax.get_title() for ax in axes)
    assert not hasattr(easy, "sample_indices_")  # the caller's selector is left unfitted
    easy.fit_resample(X, y)
    easy_rows = easy.sample_indices_
    marked = np.concatenate([c.get_offsets() for c in axes[0].collections
                             if c.get_label().endswith("in coreset")])
    np.testing.assert_allclose(np.sort(marked[:, 0]), np.sort(X[easy_rows, 0]))
    # each panel's model is trained on its own coreset only
    knn = KNeighborsClassifier(3).fit(X[:30], y[:30])
    assert axes[3].get_title().endswith(f"{knn.score(X_test, y_test):.2f}")


def test_coresets_must_be_a_dict(spiral):
    X, y = spiral
    with pytest.raises(TypeError, match="dict"):
        plot_coreset_boundaries(LeftRight(), X, y, [np.arange(3)])
