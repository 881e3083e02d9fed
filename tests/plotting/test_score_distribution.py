import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba
from scipy.stats import spearmanr

from sk_easycore.plotting import plot_score_comparison, plot_score_distribution
from sk_easycore.plotting._common import class_colors


@pytest.fixture
def scores_and_labels():
    rng = np.random.default_rng(0)
    y = np.repeat([3, 7, 9], [50, 60, 70])  # labels need not be 0..k-1
    return rng.gamma(2.0, size=180) * (1 + (y == 9)), y


def test_one_histogram_per_class_in_class_colours(scores_and_labels):
    scores, y = scores_and_labels
    ax = plot_score_distribution(scores, y, bins=12, ax=plt.figure().gca())
    assert len(ax.patches) == 3
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == ["class 3 (50)", "class 7 (60)", "class 9 (70)"]
    for patch, color in zip(ax.patches, class_colors(3)):
        assert patch.get_edgecolor() == to_rgba(color)
    # the outline's heights are the class's counts in 12 shared bins
    edges = np.linspace(scores.min(), scores.max(), 13)
    for patch, label in zip(ax.patches, (3, 7, 9)):
        counts, _ = np.histogram(scores[y == label], edges)
        assert patch.get_path().vertices[:, 1].max() == counts.max()
    assert ax.get_xlabel() == "AIGN" and ax.get_ylabel() == "number of samples"


def test_all_samples_without_labels():
    ax = plot_score_distribution([1.0, 2.0, 2.5, 4.0], ax=plt.figure().gca(), label="EL2N")
    assert len(ax.patches) == 1
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["all (4)"]
    assert ax.get_title() == "EL2N of 4 samples"


def test_densities_integrate_to_about_one(scores_and_labels):
    scores, y = scores_and_labels
    ax = plot_score_distribution(scores, y, kind="density", ax=plt.figure().gca())
    assert len(ax.get_lines()) == 3 and not ax.patches
    for line in ax.get_lines():
        assert 0.8 < np.trapezoid(line.get_ydata(), line.get_xdata()) <= 1.01
    assert ax.get_ylabel() == "density"


def test_log_scale_and_its_domain(scores_and_labels):
    scores, y = scores_and_labels
    ax = plot_score_distribution(scores, y, kind="density", log=True, ax=plt.figure().gca())
    assert ax.get_xscale() == "log" and "log" in ax.get_xlabel()
    with pytest.raises(ValueError, match="positive"):
        plot_score_distribution(scores - 1, y, log=True, ax=plt.figure().gca())
    with pytest.raises(ValueError, match="kind"):
        plot_score_distribution(scores, y, kind="violin", ax=plt.figure().gca())


def test_fitted_scorer_is_read_through_scores_():
    class Fitted:
        scores_ = np.array([0.5, 1.5, 2.5])

    ax = plot_score_distribution(Fitted(), ax=plt.figure().gca())
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["all (3)"]


def test_two_sets_side_by_side_share_bins_and_report_rank_correlation(scores_and_labels):
    scores, y = scores_and_labels
    other = scores + np.random.default_rng(1).normal(0, 0.5, len(scores))
    fig, axes = plt.subplots(1, 2)
    returned = plot_score_comparison({"standard": scores, "TRADES": other}, y, axes=axes)
    assert list(returned) == list(axes)
    assert returned[0].get_title() == "standard: AIGN per class"
    rho = spearmanr(scores, other).statistic
    assert returned[1].get_title() == (
        f"TRADES: AIGN per class\n(Spearman rho with standard: {rho:.2f})")
    low, high = min(min(scores), min(other)), max(max(scores), max(other))
    assert len(returned[0].patches) == len(returned[1].patches) == 3
    # the same edges in both panels: every outline starts and ends on them
    edges = np.linspace(low, high, 31)
    for ax in returned:
        for p in ax.patches:
            xs = np.unique(p.get_path().vertices[:, 0])
            assert np.isin(np.round(xs, 9), np.round(edges, 9)).all()


def test_comparison_makes_its_own_figure_and_checks_sizes():
    axes = plot_score_comparison({"a": [1, 2, 3], "b": [3, 2, 1], "c": [1, 1, 2]})
    assert len(axes) == 3 and len({ax.figure for ax in axes}) == 1
    with pytest.raises(ValueError, match="same samples"):
        plot_score_comparison({"a": [1, 2, 3], "b": [1, 2]})
    with pytest.raises(TypeError, match="dict"):
        plot_score_comparison([[1, 2], [3, 4]])
