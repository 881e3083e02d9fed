"""Accuracy against the attack budget, one curve per model or coreset method."""

import numpy as np

from ..results import eps_label, identical_coresets, summarize
from ..results import is_unit_range
from ._common import FULL, current_ax, method_colors, method_order, study_records

__all__ = ["plot_accuracy_vs_eps"]


def plot_accuracy_vs_eps(source, attack="pgd", *, regime=None, fraction=None, methods=None,
                         ax=None):
    """Draw accuracy against epsilon, one curve per model or coreset method.

    From a list of :class:`~sk_easycore.robustness.RobustnessReport` every
    report is one model: its curve for ``attack`` starts at (0, clean accuracy)
    and is drawn by :meth:`RobustnessReport.plot
    <sk_easycore.robustness.RobustnessReport.plot>`. From a study (its folder,
    its :class:`~sk_easycore.results.StudyResult` or its cell records) every
    method at the chosen ``regime`` and ``fraction`` is one curve: the mean over
    seeds, with the standard deviation over seeds as error bars, and the
    full-data model as a grey dashed reference. Never calls ``plt.show()``.

    Parameters
    ----------
    source : list of RobustnessReport, str, Path, StudyResult or list of dict
        The models' reports, or a study.
    attack : str or None, default="pgd"
        The attack whose curves are drawn. None draws every attack of the
        reports (line style per attack, as ``RobustnessReport.plot`` does); a
        study needs one attack.
    regime : str or None, default=None
        The study's training regime; None takes ``"standard"`` if present, else
        the first. Ignored for reports.
    fraction : float or None, default=None
        The coreset fraction of the study to draw; None takes the smallest.
        Ignored for reports.
    methods : sequence of str or None, default=None
        The study's methods to draw, in this order; None draws every method,
        a method whose coresets repeat another's once (labelled with both names).
    ax : matplotlib Axes or None, default=None
        Where to draw; None uses ``plt.gca()``.

    Returns
    -------
    ax : matplotlib Axes

    See Also
    --------
    sk_easycore.robustness.robustness_report : Measures one model's report.
    plot_study_summary : Every method, fraction and metric of a study at once.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from sk_easycore.robustness import RobustnessReport
    >>> reports = [RobustnessReport(name, clean, {"pgd": {0.05: a, 0.1: b}}, norm="inf",
    ...                             n_samples=100)
    ...            for name, clean, a, b in [("EasyCore", 0.9, 0.6, 0.3),
    ...                                      ("random", 0.92, 0.5, 0.2)]]
    >>> ax = plot_accuracy_vs_eps(reports, "pgd", ax=plt.figure().gca())
    >>> [line.get_label() for line in ax.get_lines()]
    ['EasyCore (pgd)', 'random (pgd)']
    >>> plt.close("all")
    """
    ax = current_ax(ax)
    source = list(source) if isinstance(source, (list, tuple)) else source
    if isinstance(source, list) and source and hasattr(source[0], "accuracies"):
        return _plot_reports(source, attack, ax)
    return _plot_study(study_records(source), attack, regime, fraction, methods, ax)


def _plot_reports(reports, attack, ax):
    from ..robustness import RobustnessReport

    for report in reports:
        accuracies = report.accuracies
        if attack is not None:
            if attack not in accuracies:
                raise ValueError(f"report {report.name!r} has no {attack!r} results; it has "
                                 f"{list(accuracies)}.")
            accuracies = {attack: accuracies[attack]}
        only = RobustnessReport(report.name, report.clean_accuracy, accuracies,
                                norm=report.norm, n_samples=report.n_samples)
        only.plot(ax=ax)
    title = "Accuracy under attack" if attack is None else f"Accuracy under {attack.upper()}"
    ax.set_title(f"{title} ({reports[0].n_samples} test samples)")
    return ax


def pick(values, preferred, what):
    """``preferred`` if given (checked against ``values``), else the default value."""
    values = sorted(set(values))
    if preferred is None:
        return values[0]
    matches = [v for v in values if v == preferred
               or (isinstance(v, float) and np.isclose(v, preferred))]
    if not matches:
        raise ValueError(f"the study has no {what} {preferred!r}; it has {values}.")
    return matches[0]


def default_regime(records):
    regimes = {r.regime for r in records}
    return "standard" if "standard" in regimes else sorted(regimes)[0]


def curve_table(records, attack, regime):
    """``{(method, fraction): (eps, mean, std, n_seeds)}`` for one attack and regime."""
    rows = [r for r in summarize([c for c in records if c.regime == regime])
            if r["metric"].attack in ("clean", attack)]
    curves = {}
    for r in rows:
        curves.setdefault((r["method"], r["fraction"]), []).append(
            (r["metric"].eps, r["mean"], r["std"], r["n_seeds"]))
    return {key: tuple(np.array(col) for col in zip(*sorted(points)))
            for key, points in curves.items() if len(points) > 1}


def _plot_study(records, attack, regime, fraction, methods, ax):
    if not records:
        raise ValueError("the study has no finished cells to plot.")
    if attack is None:
        raise ValueError("a study's curves need one attack, e.g. attack='pgd'.")
    regime = default_regime(records) if regime is None else pick(
        [r.regime for r in records], regime, "regime")
    curves = curve_table(records, attack, regime)
    if not curves:
        raise ValueError(f"the study has no {attack!r} results in regime {regime!r}.")
    fraction = pick([f for m, f in curves if m != FULL], fraction, "fraction")
    available = sorted((m for m, f in curves if f == fraction and m != FULL), key=method_order)
    same = identical_coresets(records)  # one curve, labelled with both names
    if methods is None:
        methods = [m for m in available if m not in same]
    else:
        methods = [pick(available, m, "method") for m in methods]
    labels = {m: m for m in methods}
    for copy, source in same.items():
        if source in labels:
            labels[source] = f"{source} (= {copy})"
    colors = method_colors(methods)
    n_seeds = 0
    for method in methods:
        eps, mean, std, n = curves[(method, fraction)]
        # the class-matched control often equals random row for row (class-balanced
        # selection): dotted with open markers, so that neither curve hides the other
        style = (dict(linestyle=":", marker="s", markerfacecolor="none", markersize=8)
                 if method == "matched_random" else dict(marker="o"))
        ax.errorbar(eps, mean, yerr=np.nan_to_num(std), capsize=3, color=colors[method],
                    label=labels[method], **style)
        n_seeds = max(n_seeds, int(n.max()))
    if (FULL, 1.0) in curves:
        eps, mean, std, _ = curves[(FULL, 1.0)]
        ax.errorbar(eps, mean, yerr=np.nan_to_num(std), color="0.5", linestyle="--",
                    capsize=3, label="full data")
    _eps_axis(ax, records, curves)
    ax.set_ylabel(f"{attack.upper()} accuracy (mean ± std, {n_seeds} seeds)")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(f"{attack.upper()}, {regime} training, coreset {fraction:g}")
    ax.legend()
    return ax


def _eps_axis(ax, records, curves):
    """Label the budgets: ticks at k/255 for [0, 1] images, input units otherwise."""
    clip = records[0].config.get("recipe", {}).get("clip_values")
    budgets = sorted({float(e) for eps, *_ in curves.values() for e in eps if e > 0})
    labels = [eps_label(e, clip) for e in budgets]
    if is_unit_range(clip) and budgets and all("/" in label for label in labels):
        ax.set_xticks([0.0] + budgets, ["0"] + labels)
        ax.set_xlabel("eps (L-inf, pixels in [0, 1], as k/255)")
    else:
        ax.set_xlabel("eps (L-inf, input units)")
