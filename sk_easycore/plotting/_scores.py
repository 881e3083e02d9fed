"""The distribution of per-sample hardness scores (AIGN), per class and side by side."""

import numpy as np

from ._common import class_colors, current_ax, new_axes, scores_of

__all__ = ["plot_score_comparison", "plot_score_distribution"]

KINDS = ("hist", "density")


def plot_score_distribution(scores, y=None, *, kind="hist", bins=30, log=False, label="AIGN",
                            ax=None):
    """Draw the distribution of per-sample scores, one curve per class.

    With ``kind="hist"`` every class is an outlined histogram (same bins for
    all classes, counts of samples); with ``kind="density"`` a Gaussian kernel
    density estimate. Class colours follow ``tab10`` in sorted label order, the
    same as :func:`plot_decision_boundary`. Never calls ``plt.show()``.

    Parameters
    ----------
    scores : array-like of shape (n_samples,) or fitted scorer
        Per-sample scores, or a fitted scorer such as
        :class:`~sk_easycore.AIGNScorer` (its ``scores_``).
    y : array-like of shape (n_samples,) or None, default=None
        Class labels; None draws one curve for all samples.
    kind : {"hist", "density"}, default="hist"
        Histograms of counts or kernel density estimates.
    bins : int or sequence of float, default=30
        Number of bins (spanning every score) or their edges.
    log : bool, default=False
        Draw the scores on a logarithmic axis (bins evenly spaced in log);
        needs positive scores. AIGN is strongly skewed, so this often reads
        better.
    label : str, default="AIGN"
        The score's name on the x axis.
    ax : matplotlib Axes or None, default=None
        Where to draw; None uses ``plt.gca()``.

    Returns
    -------
    ax : matplotlib Axes

    See Also
    --------
    plot_score_comparison : Two or more score sets side by side.

    Examples
    --------
    >>> import numpy as np
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> rng = np.random.default_rng(0)
    >>> scores, y = rng.gamma(2.0, size=300), np.repeat([0, 1, 2], 100)
    >>> ax = plot_score_distribution(scores, y, bins=20, ax=plt.figure().gca())
    >>> len(ax.patches), [t.get_text() for t in ax.get_legend().get_texts()]
    (3, ['class 0 (100)', 'class 1 (100)', 'class 2 (100)'])
    >>> plt.close("all")
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}; got {kind!r}.")
    ax = current_ax(ax)
    scores = scores_of(scores)
    if log and not (scores > 0).all():
        raise ValueError("log=True needs positive scores.")
    groups = _groups(scores, y)
    edges = _edges(scores, bins, log)
    colors = class_colors(len(groups)) if y is not None else ["0.2"]
    for (name, values), color in zip(groups, colors):
        text = f"{name} ({len(values)})"
        if kind == "hist":
            ax.hist(values, bins=edges, histtype="step", linewidth=1.5, color=color, label=text)
        else:
            grid = np.geomspace(edges[0], edges[-1], 200) if log else np.linspace(
                edges[0], edges[-1], 200)
            ax.plot(grid, _density(values, grid, log), color=color, label=text)
    if log:
        ax.set_xscale("log")
    ax.set_xlabel(label + (" (log scale)" if log else ""))
    ax.set_ylabel("number of samples" if kind == "hist" else "density")
    ax.set_title(f"{label} per class" if y is not None else f"{label} of {len(scores)} samples")
    ax.legend(fontsize="small", ncols=2 if len(groups) > 5 else 1)
    return ax


def plot_score_comparison(scores, y=None, *, kind="hist", bins=30, log=False, label="AIGN",
                          axes=None):
    """Draw two or more score sets side by side, on one shared score axis.

    For example AIGN from a standard-trained and from an adversarially trained
    scorer. Each panel is :func:`plot_score_distribution` of one set with the
    same bins; when exactly two sets are given, the second panel's title gives
    their Spearman rank correlation (how much the two agree on which samples
    are easy).

    Parameters
    ----------
    scores : dict of {str: array-like or fitted scorer}
        The score sets, by name, in panel order (at least one).
    y : array-like of shape (n_samples,) or None, default=None
        Class labels shared by every set.
    kind, bins, log, label
        As in :func:`plot_score_distribution`.
    axes : sequence of matplotlib Axes or None, default=None
        One axis per set; None makes a new figure with one row of panels.

    Returns
    -------
    axes : list of matplotlib Axes
        One per set.

    Examples
    --------
    >>> import numpy as np
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> rng = np.random.default_rng(0)
    >>> a = rng.gamma(2.0, size=200)
    >>> axes = plot_score_comparison({"standard": a, "TRADES": a + rng.normal(0, .1, 200)})
    >>> [ax.get_title().splitlines()[0] for ax in axes]
    ['standard: AIGN of 200 samples', 'TRADES: AIGN of 200 samples']
    >>> plt.close("all")
    """
    if not isinstance(scores, dict) or not scores:
        raise TypeError("scores must be a non-empty dict {name: scores}.")
    sets = {name: scores_of(s) for name, s in scores.items()}
    sizes = {len(s) for s in sets.values()}
    if len(sizes) != 1:
        raise ValueError(f"every score set must describe the same samples; sizes {sizes}.")
    edges = _edges(np.concatenate(list(sets.values())), bins, log)
    axes = new_axes(axes, len(sets))
    for ax, (name, values) in zip(axes, sets.items()):
        plot_score_distribution(values, y, kind=kind, bins=edges, log=log, label=label, ax=ax)
        ax.set_title(f"{name}: {ax.get_title()}")
    if len(sets) == 2:
        from scipy.stats import spearmanr

        first, second = sets.values()
        rho = spearmanr(first, second).statistic
        axes[1].set_title(f"{axes[1].get_title()}\n(Spearman rho with "
                          f"{next(iter(sets))}: {rho:.2f})")
    return axes


def _groups(scores, y):
    if y is None:
        return [("all", scores)]
    y = np.asarray(y)
    if y.shape != scores.shape:
        raise ValueError(f"y has shape {y.shape}, scores {scores.shape}.")
    return [(f"class {c}", scores[y == c]) for c in np.unique(y)]


def _edges(scores, bins, log):
    if not np.isscalar(bins):
        return np.asarray(bins, dtype=float)
    low, high = scores.min(), scores.max()
    if high <= low:
        low, high = low - 0.5, high + 0.5
    return np.geomspace(low, high, bins + 1) if log else np.linspace(low, high, bins + 1)


def _density(values, grid, log):
    from scipy.stats import gaussian_kde

    if len(values) < 2 or np.ptp(values) == 0:
        return np.zeros_like(grid)
    if log:  # estimate in log space, then change variables back to the score axis
        return gaussian_kde(np.log(values))(np.log(grid)) / grid
    return gaussian_kde(values)(grid)
