"""Clean against robust accuracy: the random-coreset frontier and every method's coresets."""

import numpy as np

from ..results import (FULL, MATCHED_CONTROL, Metric, frontier_curve, metric_label,
                       records_config, summarize)
from ._common import method_colors, method_order, new_axes, study_records

__all__ = ["plot_frontier"]

_FRONTIER_COLOR = "0.35"
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "p")


def _fraction_label(fraction):
    return "full" if fraction == 1.0 else f"{100 * fraction:g}%"


def plot_frontier(source, attack="pgd", *, regime="standard", methods=None, axes=None):
    """Draw robust against clean accuracy: the random frontier, and each method's coresets.

    One panel per budget of ``attack``. The frontier (grey) joins the random
    coresets of every fraction and the full-data model, each at its mean
    clean and robust accuracy over seeds and labelled with its fraction, in
    order of clean accuracy. Every other method is one marker per fraction
    (its mean, with the standard deviation over seeds as error bars), in the
    method's colour of the other study figures and a shape per fraction. A
    marker above the frontier is robustness random coresets do not reach at
    that clean accuracy; the summary's accuracy-matched differences read it
    seed by seed (:func:`~sk_easycore.results.frontier_differences`).
    Never calls ``plt.show()``.

    Parameters
    ----------
    source : str, Path, StudyResult or list of dict
        A study folder, its :class:`~sk_easycore.results.StudyResult` or its
        cell records.
    attack : str, default="pgd"
        The attack whose budgets are the panels.
    regime : str, default="standard"
        The training regime drawn.
    methods : sequence of str or None, default=None
        The methods drawn as markers; None: every method but ``random``, the
        full data and the class-matched control.
    axes : array of matplotlib Axes or None, default=None
        One axis per budget; None makes a new figure.

    Returns
    -------
    axes : list of matplotlib Axes

    See Also
    --------
    sk_easycore.results.frontier_curve : The frontier's points.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> records = [{"regime": "standard", "method": m, "fraction": f, "seed": s,
    ...             "metrics": {"clean": c + 0.01 * s, "pgd@0.05": r, "pgd@0.1": r / 2}}
    ...            for m, f, c, r in [("random", 0.1, 0.90, 0.64), ("random", 0.5, 0.94, 0.55),
    ...                               ("full", 1.0, 0.96, 0.53), ("easycore", 0.5, 0.91, 0.65)]
    ...            for s in (0, 1)]
    >>> axes = plot_frontier(records, "pgd")
    >>> [ax.get_title() for ax in axes]
    ['PGD eps=0.05', 'PGD eps=0.1']
    >>> plt.close("all")
    """
    records = study_records(source)
    mine = [r for r in records if r.regime == regime]
    eps = sorted({m.eps for r in mine for m in r.metrics if m.attack == attack})
    if not eps:
        raise ValueError(f"no {attack!r} accuracies in the {regime!r} cells to plot.")
    clip = records[0].config.get("recipe", {}).get("clip_values")
    points = records_config(records).get("frontier") or None  # its fractions, when recorded
    rows = summarize(mine)
    if methods is None:
        methods = sorted({r["method"] for r in rows} - {"random", FULL, MATCHED_CONTROL},
                         key=method_order)
    colors = method_colors(methods)
    axes = new_axes(axes, len(eps))
    table = {(r["method"], r["fraction"], r["metric"]): r for r in rows}
    n_seeds = len({r.seed for r in mine})
    # a colour per method (as in the other figures), a marker shape per fraction
    fractions = sorted({f for m, f, _ in table if m in methods})
    shapes = {f: _MARKERS[i % len(_MARKERS)] for i, f in enumerate(fractions)}
    for ax, e in zip(axes, eps):
        metric = Metric(attack, e)
        _draw_frontier(ax, frontier_curve(mine, metric, regime=regime, fractions=points),
                       n_seeds)
        for method in methods:
            for fraction in fractions:
                clean = table.get((method, fraction, Metric("clean")))
                robust = table.get((method, fraction, metric))
                if clean is None or robust is None:
                    continue
                ax.errorbar(clean["mean"], robust["mean"], xerr=_spread(clean["std"]),
                            yerr=_spread(robust["std"]), fmt=shapes[fraction], markersize=8,
                            color=colors[method], markeredgecolor="black",
                            markeredgewidth=0.6, elinewidth=0.8, capsize=2, zorder=3)
        ax.set_title(metric_label(metric, clip))
        ax.set_xlabel("clean accuracy (mean over seeds)")
        ax.set_ylabel(f"{attack.upper()} accuracy (mean over seeds)")
        ax.grid(alpha=0.3)
        ax.margins(0.12)
    _legend(axes[0], methods, colors, shapes)
    return axes


def _spread(std):
    return None if np.isnan(std) else std


def _draw_frontier(ax, points, n_seeds):
    if not points:
        return
    ordered = sorted(points, key=lambda p: p["clean"])
    # as the differences read it: in order of clean accuracy, equal ones averaged
    xs, inverse = np.unique([p["clean"] for p in ordered], return_inverse=True)
    ys = np.bincount(inverse, weights=[p["robust"] for p in ordered]) / np.bincount(inverse)
    ax.plot(xs, ys, "-", color=_FRONTIER_COLOR, linewidth=1.5, zorder=2,
            label=f"random frontier (mean of {n_seeds} seed{'s' if n_seeds != 1 else ''})")
    ax.plot([p["clean"] for p in ordered], [p["robust"] for p in ordered], "o",
            color=_FRONTIER_COLOR, markersize=4, zorder=2)
    for i, p in enumerate(ordered):  # labels alternate sides along the line
        ax.annotate(_fraction_label(p["fraction"]), (p["clean"], p["robust"]),
                    xytext=(-4, -11) if i % 2 == 0 else (4, 5), textcoords="offset points",
                    fontsize="x-small", color=_FRONTIER_COLOR,
                    ha="right" if i % 2 == 0 else "left")


def _legend(ax, methods, colors, shapes):
    from matplotlib.layout_engine import ConstrainedLayoutEngine
    from matplotlib.lines import Line2D

    handles, labels = ax.get_legend_handles_labels()  # the frontier
    for method in methods:
        handles.append(Line2D([], [], color=colors[method], marker="s", linestyle="",
                              markersize=8))
        labels.append(f"{method} (mean ± std over seeds)")
    for fraction, shape in shapes.items():
        handles.append(Line2D([], [], color="0.6", marker=shape, linestyle="", markersize=8,
                              markeredgecolor="black", markeredgewidth=0.6))
        labels.append(f"coreset of {_fraction_label(fraction)}")
    fig = ax.figure
    if isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine):
        fig.legend(handles, labels, loc="outside lower center",
                   ncols=min(len(labels), 6), fontsize="small")
    else:
        ax.legend(handles, labels, fontsize="x-small", loc="best")
