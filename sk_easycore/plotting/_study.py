"""A study's summary as a grid of bar charts, and the study figures written beside summary.md."""

from pathlib import Path

import numpy as np

from ..results import (Metric, atomic_write, data_label, grid_records, has_frontier,
                       identical_coresets, metric_label, records_config, summarize)
from ..results import MATCHED_CONTROL, is_unit_range
from ._common import FULL, method_colors, method_order, new_axes, study_records
from ._frontier import plot_frontier
from ._robustness import plot_accuracy_vs_eps

__all__ = ["plot_study_summary", "save_study_figures"]


def _regime_order(regime):
    return (regime != "standard", regime)


def plot_study_summary(source, *, metrics=None, regimes=None, methods=None, max_cols=4,
                       axes=None, config=None):
    """Draw a study's accuracies as a grid: one panel per regime (row) and metric (column).

    In every panel the coreset fractions are groups of bars, one bar per
    method: the mean accuracy over seeds, with the standard deviation over
    seeds as an error bar (none with a single seed). The full-data model is a
    grey dashed line. Every number comes from the cell records, as in
    ``summary.md``. Never calls ``plt.show()``.

    Parameters
    ----------
    source : str, Path, StudyResult or list of dict
        A study folder, its :class:`~sk_easycore.results.StudyResult` or
        its cell records.
    metrics : sequence of str or Metric, or None, default=None
        Metrics (``"clean"``, ``"pgd@0.1"`` or ``Metric("pgd", 0.1)``); None
        takes every metric, clean first.
    regimes : sequence of str or None, default=None
        Training regimes, one row each; None takes every regime, standard first.
    methods : sequence of str or None, default=None
        Coreset methods, in bar order; None takes every method, drawing a
        method whose coresets repeat another's (the class-matched control
        under class-balanced selection) once, labelled ``random (= matched_random)``.
    max_cols : int, default=4
        With ``axes=None``, a regime's metrics wrap onto new rows of at most
        this many panels.
    axes : array of matplotlib Axes or None, default=None
        ``len(regimes) * len(metrics)`` axes, regime by regime; None makes a
        new figure. The legend goes below the panels when the figure uses the
        constrained layout, else in the first panel.
    config : dict or None, default=None
        The study's configuration (``study.json``), whose methods and
        fractions are drawn (the random frontier's other coresets are not
        bars); None takes the one the records cover
        (:func:`~sk_easycore.results.records_config`).

    Returns
    -------
    axes : ndarray of matplotlib Axes of shape (n_regimes, n_metrics)

    See Also
    --------
    plot_accuracy_vs_eps : One attack's curves over epsilon.
    sk_easycore.results.summarize : The numbers drawn.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> records = [{"regime": "standard", "method": m, "fraction": f, "seed": s,
    ...             "metrics": {"clean": 0.8 + 0.01 * s, "pgd@0.1": 0.3}}
    ...            for m, f in [("easycore", 0.1), ("random", 0.1), ("easycore", 0.3),
    ...                         ("random", 0.3), ("full", 1.0)] for s in (0, 1)]
    >>> axes = plot_study_summary(records)
    >>> axes.shape, [ax.get_title() for ax in axes[0]]
    ((1, 2), ['standard: clean', 'standard: PGD eps=0.1'])
    >>> len(axes[0, 0].patches)  # 2 fractions x 2 methods
    4
    >>> plt.close("all")
    """
    records = grid_records(study_records(source), config)  # the frontier's own cells: no bars
    if not records:
        raise ValueError("the study has no finished cells to plot.")
    rows = summarize(records)
    clip = _clip_values(records)
    metrics = sorted({r["metric"] for r in rows}, key=Metric.sort_key) if metrics is None \
        else [Metric.parse(m) for m in metrics]
    regimes = sorted({r["regime"] for r in rows}, key=_regime_order) if regimes is None \
        else list(regimes)
    table = {(r["regime"], r["method"], r["fraction"], r["metric"]): r for r in rows}
    fractions = sorted({r["fraction"] for r in rows if r["method"] != FULL})
    same = identical_coresets(records)  # drawn once, labelled with both names
    if methods is None:
        methods = sorted({r["method"] for r in rows if r["method"] != FULL and r["method"]
                          not in same}, key=method_order)
    labels = {m: m for m in methods}
    for copy, source in same.items():
        if source in labels:
            labels[source] = f"{source} (= {copy})"
    colors = method_colors(methods)
    flat = _summary_axes(axes, len(regimes), len(metrics), max_cols)
    grid = np.empty((len(regimes), len(metrics)), dtype=object)
    width = 0.8 / max(len(methods), 1)
    x = np.arange(len(fractions))
    for i, regime in enumerate(regimes):
        for j, metric in enumerate(metrics):
            ax = grid[i, j] = flat[i * len(metrics) + j]
            for k, method in enumerate(methods):
                cells = [table.get((regime, method, f, metric)) for f in fractions]
                mean = [np.nan if c is None else c["mean"] for c in cells]
                std = [0.0 if c is None or np.isnan(c["std"]) else c["std"] for c in cells]
                ax.bar(x - 0.4 + width * (k + 0.5), mean, width, yerr=std, capsize=2,
                       color=colors[method], label=labels[method])
            full = table.get((regime, FULL, 1.0, metric))
            if full is not None:
                ax.axhline(full["mean"], color="0.4", linestyle="--", label="full data")
            ax.set_xticks(x, [f"{f:g}" for f in fractions])
            ax.set_ylim(0, 1)
            ax.set_title(f"{regime}: {metric_label(metric, clip)}")
            ax.set_xlabel("coreset fraction")
            spec = ax.get_subplotspec()
            if spec is None or spec.is_first_col():
                ax.set_ylabel("accuracy (mean ± std)")
    _legend(grid[0, 0])
    return grid


def _clip_values(records):
    return records[0].config.get("recipe", {}).get("clip_values")


def _summary_axes(axes, n_regimes, n_metrics, max_cols, fig=None):
    """The panels row by row; each regime starts a new row, spare panels are hidden."""
    if axes is not None:
        return new_axes(axes, n_regimes * n_metrics)
    ncols = min(n_metrics, max_cols)
    per_regime = -(-n_metrics // ncols)
    size = (3.4 * ncols, 3.0 * per_regime * n_regimes + 0.5)
    if fig is None:
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=size, layout="constrained")
    else:
        fig.set_size_inches(size)
    panels = fig.subplots(per_regime * n_regimes, ncols, squeeze=False).ravel()
    keep = [panels[r * per_regime * ncols + j] for r in range(n_regimes) for j in range(n_metrics)]
    for ax in panels:
        ax.set_visible(any(ax is k for k in keep))
    return keep


def _legend(ax):
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    handles, labels = ax.get_legend_handles_labels()
    order = sorted(range(len(labels)), key=lambda i: labels[i] == "full data")  # stable
    handles, labels = [handles[i] for i in order], [labels[i] for i in order]
    fig = ax.figure
    if isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine):
        fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 7),
                   fontsize="small")
    else:
        ax.legend(handles, labels, fontsize="x-small", loc="lower left")


def save_study_figures(out, records=None, *, config=None, dpi=100):
    """Write a study's figures as PNG files in its folder, each atomically.

    ``summary.png`` is :func:`plot_study_summary`; ``robustness_<regime>_<attack>.png``
    is :func:`plot_accuracy_vs_eps` for that regime and attack, one panel per
    coreset fraction of the study (the frontier's other random coresets are
    left out of both); with a random frontier, ``frontier_<regime>_<attack>.png``
    is :func:`plot_frontier`, one panel per budget. Each file is written under a temporary name and renamed
    over its final one, so a reader never sees a half-written image. Uses
    matplotlib's object interface only: pyplot's state is left alone.

    Parameters
    ----------
    out : str or Path
        The study folder.
    records : list of dict or None, default=None
        The cell records; None reads them from ``out``.
    config : dict or None, default=None
        The study's configuration (``study.json``: its methods, fractions and
        frontier); None takes the one the records cover
        (:func:`~sk_easycore.results.records_config`).
    dpi : int, default=100
        Resolution of the images.

    Returns
    -------
    paths : list of Path
        The files written, summary first (empty when there are no records).

    Examples
    --------
    >>> import tempfile
    >>> records = [{"regime": "standard", "method": m, "fraction": f, "seed": 0,
    ...             "metrics": {"clean": 0.9, "pgd@0.1": 0.4, "pgd@0.2": 0.1}}
    ...            for m, f in [("easycore", 0.3), ("random", 0.3), ("full", 1.0)]]
    >>> [p.name for p in save_study_figures(tempfile.mkdtemp(), records)]
    ['summary.png', 'robustness_standard_pgd.png']
    """
    from matplotlib.figure import Figure

    out = Path(out)
    every = study_records(out if records is None else records)
    if not every:
        return []
    config = records_config(every) if config is None else config
    records = grid_records(every, config)  # the bars and curves: the study's own fractions
    rows = {(r.regime, m.attack) for r in records for m in r.metrics}
    regimes = sorted({regime for regime, _ in rows}, key=_regime_order)
    n_metrics = len({m for r in records for m in r.metrics})
    fractions = sorted({r.fraction for r in records if r.method != FULL})
    dataset = data_label(config.get("data", config.get("dataset", "study")),
                         config.get("data_hash"))
    units = ("L-inf eps in pixel units of [0, 1]" if is_unit_range(_clip_values(records))
             else "L-inf eps in input units")
    n_seeds = len({r.seed for r in records})
    fig = Figure(layout="constrained")
    plot_study_summary(records, axes=_summary_axes(None, len(regimes), n_metrics, 4, fig),
                       config=config)
    fig.suptitle(f"{dataset}: test accuracy of models trained on coresets\n"
                 f"{n_seeds} seeds, {units}")
    paths = [_save(fig, out / "summary.png", dpi)]
    for regime in regimes:
        for attack in sorted(a for r, a in rows if r == regime and a != "clean"):
            n_curves = len({r.method for r in records if r.regime == regime})
            fig = Figure(figsize=(5.0 * len(fractions), 4.0 + 0.2 * -(-n_curves // 6)),
                         layout="constrained")
            fig.suptitle(f"{dataset}: {attack.upper()} accuracy against the attack budget")
            axes = fig.subplots(1, len(fractions), squeeze=False, sharey=True)[0]
            for ax, fraction in zip(axes, fractions):
                plot_accuracy_vs_eps(records, attack, regime=regime, fraction=fraction, ax=ax)
                if ax.get_legend() is not None:  # one legend for the figure, below the panels
                    ax.get_legend().remove()
            _legend(axes[0])
            paths.append(_save(fig, out / f"robustness_{regime}_{attack}.png", dpi))
    if has_frontier(config):
        paths += _frontier_figures(out, every, config, rows, regimes, dataset, units, n_seeds,
                                   dpi)
    return paths


def _frontier_figures(out, records, config, rows, regimes, dataset, units, n_seeds, dpi):
    """``frontier_<regime>_<attack>.png``: one panel per budget (a method to compare needed)."""
    from matplotlib.figure import Figure

    paths = []
    others = {r.method for r in records} - {"random", FULL, MATCHED_CONTROL}
    fractions = ", ".join(f"{f:g}" for f in config.get("frontier", ()))
    for regime in regimes:
        if not others & {r.method for r in records if r.regime == regime}:
            continue
        for attack in sorted(a for r, a in rows if r == regime and a != "clean"):
            n_eps = len({m.eps for r in records for m in r.metrics if m.attack == attack})
            fig = Figure(figsize=(5.2 * n_eps, 5.0), layout="constrained")
            fig.suptitle(f"{dataset}: {attack.upper()} against clean accuracy, {regime} "
                         f"training ({n_seeds} seed{'s' if n_seeds != 1 else ''})\ngrey: random "
                         f"coresets at {fractions} and the full data; {units}")
            plot_frontier(records, attack, regime=regime,
                          axes=fig.subplots(1, n_eps, squeeze=False)[0])
            paths.append(_save(fig, out / f"frontier_{regime}_{attack}.png", dpi))
    return paths


def _save(fig, path, dpi):
    atomic_write(path, lambda f: fig.savefig(f, format="png", dpi=dpi), binary=True)
    return path
