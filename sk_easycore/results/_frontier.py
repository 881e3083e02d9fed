"""The accuracy-matched control: each method's robust accuracy against the random frontier.

A coreset can beat random at the same fraction in robust accuracy only by teaching
the model less: on many data sets a model of lower clean accuracy is also harder to
attack, so the gain is the clean-accuracy trade-off, not robustness bought. The
random-coreset frontier tells them apart. For every regime and seed, random
coresets at the study's ``frontier`` fractions (and the full data) give points
(clean accuracy, robust accuracy); sorted by clean accuracy and joined by straight
lines, they say what robust accuracy random selection reaches at any clean accuracy
in their range. A method's accuracy-matched difference is its robust accuracy minus
the frontier's at the method's own clean accuracy, seed by seed; a seed whose clean
accuracy lies outside its frontier's range gives no value (nothing is extrapolated).
"""

import math
from collections import defaultdict

import numpy as np

from ._differences import (column, diff_cell, family_note, group_by_cell,
                           group_order, judge_family, paired_stats)
from ._format import signed
from ._identity import records_config
from ._names import FULL, MATCHED_CONTROL
from ._records import Metric, as_record

__all__ = ["FRONTIER", "frontier_at", "frontier_curve", "frontier_differences",
           "grid_records", "has_frontier"]

FRONTIER = "frontier"  # the reference of these differences in differences.csv
_CLEAN = Metric("clean")
_POINTS = ("random", FULL)


def _config(records, config):
    if config is not None:
        return config
    return records_config(records)  # the cells of a grown study carry their run's grid


def has_frontier(config):
    """Whether a study's configuration has a random frontier (``frontier`` not empty).

    Parameters
    ----------
    config : dict or None
        A study's configuration (``study.json``); a configuration stored
        before the frontier existed has none.

    Returns
    -------
    has : bool

    Examples
    --------
    >>> has_frontier({"frontier": [0.1, 0.5]}), has_frontier({"frontier": []}), has_frontier({})
    (True, False, False)
    """
    return bool((config or {}).get("frontier"))


def grid_records(records, config=None):
    """The records of the study's own grid: the frontier's extra random cells left out.

    The main tables, their Holm families and the bar charts are about the
    study's methods and fractions; random coresets at the other fractions of
    the frontier appear in its section, its figure and ``summary.csv``.

    Parameters
    ----------
    records : list of CellRecord or dict
    config : dict or None, default=None
        The study's configuration; None takes the one the records cover
        (:func:`~sk_easycore.results.records_config`). Without a
        frontier (or without ``methods`` and ``fractions``) every record is kept.

    Returns
    -------
    records : list of CellRecord

    Examples
    --------
    >>> config = {"methods": ["easycore", "random"], "fractions": [0.5], "frontier": [0.1, 0.5]}
    >>> recs = [{"method": m, "fraction": f, "regime": "standard", "seed": 0,
    ...          "metrics": {"clean": 0.9}}
    ...         for m, f in [("easycore", 0.5), ("random", 0.5), ("random", 0.1), ("full", 1.0)]]
    >>> [(r.method, r.fraction) for r in grid_records(recs, config)]
    [('easycore', 0.5), ('random', 0.5), ('full', 1.0)]
    """
    records = [as_record(r) for r in records]
    config = _config(records, config)
    methods, fractions = config.get("methods"), config.get("fractions")
    if not has_frontier(config) or methods is None or fractions is None:
        return records
    fractions = {float(f) for f in fractions}
    return [r for r in records
            if r.method == FULL or (r.method in methods and r.fraction in fractions)]


def frontier_at(points, clean):
    """The frontier's robust accuracy at a clean accuracy, or None outside its range.

    Parameters
    ----------
    points : sequence of (float, float)
        ``(clean, robust)`` of the random models of one seed. Points of equal
        clean accuracy are one point, their robust accuracies averaged.
    clean : float
        The clean accuracy to read the frontier at.

    Returns
    -------
    robust : float or None
        Linearly interpolated between the neighbouring points; None when
        ``clean`` lies below the smallest or above the largest clean accuracy
        (no extrapolation).

    Examples
    --------
    >>> points = [(0.80, 0.60), (0.90, 0.50), (0.95, 0.40)]
    >>> round(frontier_at(points, 0.85), 4), round(frontier_at(points, 0.95), 4)
    (0.55, 0.4)
    >>> frontier_at(points, 0.97) is None
    True
    """
    if not len(points):
        return None
    clean_of, robust = np.asarray(points, dtype=float).T
    xs, inverse = np.unique(clean_of, return_inverse=True)
    ys = np.bincount(inverse, weights=robust) / np.bincount(inverse)
    if not xs[0] <= clean <= xs[-1]:
        return None
    return float(np.interp(clean, xs, ys))


def _is_point(method, fraction, fractions):
    """Whether a model is a point of the frontier (of ``fractions``; None: every random one)."""
    if method == FULL:
        return True
    return method == "random" and (fractions is None
                                   or any(math.isclose(fraction, f) for f in fractions))


def _seed_points(groups, fractions=None):
    """``{(regime, seed, metric): [(clean, robust), ...]}`` of the frontier's models.

    With the frontier's ``fractions`` given, a seed lacking any of its points
    (a run that asked for no frontier added the seed) has no frontier.
    """
    points = defaultdict(list)
    for (regime, method, fraction, metric), by_seed in groups.items():
        clean = groups.get((regime, method, fraction, _CLEAN), {})
        if _is_point(method, fraction, fractions) and not metric.is_clean:
            for seed, robust in by_seed.items():
                if seed in clean:
                    points[(regime, seed, metric)].append((clean[seed], robust))
    if fractions is not None:
        points = {k: v for k, v in points.items() if len(v) == len(fractions) + 1}
    return points


def frontier_differences(records, *, methods=None, exclude=(), fractions=None):
    """Robust accuracy minus the random frontier's at the same clean accuracy, Holm-corrected.

    For every regime, seed and robust metric the seed's frontier is its random
    models (``random`` at every fraction, and the full-data model) as points
    (clean, robust), joined in order of clean accuracy (:func:`frontier_at`).
    For every other method, fraction and metric, each seed gives its robust
    accuracy minus its frontier's at its own clean accuracy; a seed whose clean
    accuracy lies outside its frontier's range gives nothing. The rows are one
    family: their p-values are corrected together with Holm's method, as the
    other tables of differences (:func:`~sk_easycore.results.paired_differences`).

    Parameters
    ----------
    records : list of CellRecord or dict
        Cell records (see :func:`~sk_easycore.results.summarize`).
    methods : sequence of str or None, default=None
        Compare only these methods; None: every method but ``random``, the
        full data and the class-matched control.
    exclude : collection of str, default=()
        Methods left out (and out of the family).
    fractions : sequence of float or None, default=None
        The frontier's fractions (a study's ``frontier``): a seed's frontier is
        random at exactly these and the full data, and a seed lacking one of
        them has none (counted in ``n_incomplete``). None: random at every
        fraction the records hold.

    Returns
    -------
    rows : list of dict
        The keys of :func:`~sk_easycore.results.paired_differences`
        (``reference`` is ``"frontier"``; ``n_pairs``: the seeds inside the
        frontier's range, NaN ``mean_diff`` with none), plus ``n_seeds`` (the
        method's seeds), ``n_below`` and ``n_above`` (the seeds whose clean
        accuracy lies below or above their frontier's range), ``n_incomplete``
        (the seeds without a whole frontier) and
        ``clean_vs_random``: the mean of the method's clean accuracy minus
        random's at the same fraction and seed (NaN without random there).

    Examples
    --------
    >>> def rec(method, fraction, seed, clean, robust):
    ...     return {"method": method, "fraction": fraction, "regime": "standard",
    ...             "seed": seed, "metrics": {"clean": clean, "pgd@0.05": robust}}
    >>> recs = [rec(m, f, s, c + 0.01 * s, r) for s in range(3) for m, f, c, r in [
    ...     ("random", 0.1, 0.90, 0.64), ("random", 0.5, 0.94, 0.55),
    ...     ("full", 1.0, 0.96, 0.53), ("easycore", 0.5, 0.91, 0.65)]]
    >>> row = frontier_differences(recs)[0]
    >>> row["method"], row["reference"], round(row["mean_diff"], 4), row["n_pairs"]
    ('easycore', 'frontier', 0.0325, 3)
    >>> round(row["clean_vs_random"], 2), row["verdict"]
    (-0.03, 'better')
    """
    records = [as_record(r) for r in records]
    groups = group_by_cell(records)
    points = _seed_points(groups, fractions)
    rows = []
    for regime, method, fraction, metric in sorted(groups, key=group_order):
        if (metric.is_clean or method in (*_POINTS, MATCHED_CONTROL) or method in exclude
                or (methods is not None and method not in methods)):
            continue
        robust = groups[(regime, method, fraction, metric)]
        clean = groups.get((regime, method, fraction, _CLEAN), {})
        seeds = sorted(set(robust) & set(clean))
        if not any(len(points.get((regime, s, metric), ())) >= 2 for s in seeds):
            continue  # no frontier to read
        diffs, below, incomplete = [], 0, 0
        for seed in seeds:
            mine = points.get((regime, seed, metric), ())
            value = frontier_at(mine, clean[seed])
            if value is not None:
                diffs.append(robust[seed] - value)
            elif not mine:
                incomplete += 1
            elif clean[seed] < min(c for c, _ in mine):
                below += 1
        stats = paired_stats(diffs) if diffs else {
            "mean_diff": float("nan"), "ci_low": float("nan"), "ci_high": float("nan"),
            "p_value": float("nan"), "n_pairs": 0}
        random_clean = groups.get((regime, "random", fraction, _CLEAN), {})
        both = sorted(set(clean) & set(random_clean))
        gap = (float(np.mean([clean[s] - random_clean[s] for s in both])) if both
               else float("nan"))
        rows.append({"regime": regime, "method": method, "reference": FRONTIER,
                     "fraction": fraction, "metric": metric, **stats, "n_seeds": len(seeds),
                     "n_below": below, "n_incomplete": incomplete,
                     "n_above": len(seeds) - len(diffs) - below - incomplete,
                     "clean_vs_random": gap})
    return judge_family(rows)


def frontier_curve(records, metric, *, regime="standard", fractions=None):
    """The frontier drawn in figures: random models' mean (clean, robust) by fraction.

    Parameters
    ----------
    records : list of CellRecord or dict
    metric : str or Metric
        A robust metric, e.g. ``"pgd@0.05"``.
    regime : str, default="standard"
    fractions : sequence of float or None, default=None
        The frontier's fractions (a study's ``frontier``); None: every random
        fraction the records hold.

    Returns
    -------
    rows : list of dict
        One per random fraction and the full data (``fraction`` 1.0), in
        fraction order: ``fraction``, ``clean``, ``robust`` (means over the
        seeds that have both), ``clean_std``, ``robust_std`` and ``n_seeds``.
        The differences are read on each seed's own frontier, not on this mean.

    Examples
    --------
    >>> recs = [{"method": m, "fraction": f, "regime": "standard", "seed": 0,
    ...          "metrics": {"clean": c, "pgd@0.1": r}}
    ...         for m, f, c, r in [("random", 0.1, 0.8, 0.5), ("full", 1.0, 0.95, 0.3)]]
    >>> [(p["fraction"], p["clean"], p["robust"]) for p in frontier_curve(recs, "pgd@0.1")]
    [(0.1, 0.8, 0.5), (1.0, 0.95, 0.3)]
    """
    metric = Metric.parse(metric)
    groups = group_by_cell(records)
    rows = []
    for (reg, method, fraction, m), robust in groups.items():
        if reg != regime or not _is_point(method, fraction, fractions) or m != metric:
            continue
        clean = groups.get((reg, method, fraction, _CLEAN), {})
        seeds = sorted(set(robust) & set(clean))
        if not seeds:
            continue
        c, r = np.array([clean[s] for s in seeds]), np.array([robust[s] for s in seeds])
        spread = (lambda v: float(v.std(ddof=1)) if len(v) > 1 else float("nan"))
        rows.append({"fraction": fraction, "clean": float(c.mean()), "robust": float(r.mean()),
                     "clean_std": spread(c), "robust_std": spread(r), "n_seeds": len(seeds)})
    return sorted(rows, key=lambda p: p["fraction"])


def frontier_section(records, metrics, clip_values, config, exclude=()):
    """The "Difference from the random frontier" section of ``summary.md`` (Markdown lines)."""
    fractions = ", ".join(f"{f:g}" for f in config.get("frontier") or ())
    diffs = frontier_differences(records, exclude=exclude, fractions=config.get("frontier"))
    robust = [m for m in metrics if not m.is_clean]
    if not diffs or not robust:
        return []
    intro = (
        "A gain in robust accuracy over random at the same fraction can be only the clean-"
        "accuracy trade-off: a model that learns less can be harder to attack. The random "
        "frontier is the robust accuracy random coresets reach at each clean accuracy, and "
        "each entry is a method's robust accuracy minus the frontier's at the method's own "
        "clean accuracy (percentage points): above 0 is robustness random selection does not "
        "reach at that clean accuracy. Per seed, the frontier joins random coresets at "
        f"fractions {fractions} and the full-data model in order of clean accuracy (straight "
        "lines between them); a seed whose clean accuracy lies outside its frontier's range "
        "gives no value (nothing is extrapolated), and `seeds` counts those used. "
        "`clean vs random`: the method's clean accuracy minus random's at the same fraction. "
        "The `frontier_<regime>_<attack>.png` figures draw the frontier's mean over seeds.")
    by_row = defaultdict(dict)
    for d in diffs:
        by_row[(d["regime"], d["method"], d["fraction"])][d["metric"]] = d
    out = ["", "## Difference from the random frontier (accuracy-matched)", "",
           intro + " " + family_note(diffs), "",
           "| regime | method | fraction | seeds | clean vs random | "
           + " | ".join(column(m, clip_values) for m in robust) + " |",
           "|---|---|---|---|---|" + "---|" * len(robust)]
    for (regime, method, fraction), row in by_row.items():
        first = next(iter(row.values()))
        used = max(d["n_pairs"] for d in row.values())
        gap = first["clean_vs_random"]
        gap = "n/a" if np.isnan(gap) else signed(100 * gap)
        values = [_frontier_cell(row[m]) if m in row else "" for m in robust]
        out.append(f"| {regime} | {method} | {fraction:g} | {used} of {first['n_seeds']} | "
                   f"{gap} | " + " | ".join(values) + " |")
    out += _points_table(records, metrics, clip_values, config.get("frontier"))
    outside = {}
    for d in diffs:  # per row, the metric that lost the most seeds
        key = (d["regime"], d["method"], d["fraction"])
        if d["n_below"] + d["n_above"] > sum(outside.get(key, (0, 0))):
            outside[key] = (d["n_below"], d["n_above"])
    incomplete = sorted({(d["regime"], d["method"], d["fraction"]): d["n_incomplete"]
                         for d in diffs if d["n_incomplete"]}.items())
    if outside:
        out += ["", "Seeds outside their frontier: " + "; ".join(
            f"{method} {fraction:g} ({regime}): "
            + ", ".join(t for t in (f"{b} below the lowest clean accuracy of their random "
                                    "models" if b else "", f"{a} above the highest" if a else "")
                        if t)
            for (regime, method, fraction), (b, a) in outside.items())
            + ". A smaller frontier fraction (`frontier=` / `--frontier`) reaches lower "
            "clean accuracies; none reaches above the best random model."]
    if incomplete:
        out += ["", "Seeds without a whole frontier (a run without the frontier added them; "
                "run the study again with its frontier to complete them): " + "; ".join(
                    f"{method} {fraction:g} ({regime}): {n}"
                    for (regime, method, fraction), n in incomplete) + "."]
    return out


def _frontier_cell(d):
    if d["n_pairs"] == 0:
        return "n/a (outside the frontier)"
    return diff_cell(d)


def _points_table(records, metrics, clip_values, fractions):
    """The frontier's points, mean +- std over seeds (number of seeds), as the means table."""
    groups = group_by_cell(records)
    keys = sorted({(regime, method, fraction) for regime, method, fraction, _ in groups
                   if _is_point(method, fraction, fractions)},
                  key=lambda k: group_order((*k, _CLEAN)))
    out = ["", "The frontier's points: accuracy (%), mean +- std over seeds (number of seeds).",
           "",
           "| regime | frontier point | fraction | "
           + " | ".join(column(m, clip_values) for m in metrics) + " |",
           "|---|---|---|" + "---|" * len(metrics)]
    for regime, method, fraction in keys:
        values = []
        for m in metrics:
            v = np.array(list(groups.get((regime, method, fraction, m), {}).values()))
            std = f"{100 * v.std(ddof=1):.1f}" if len(v) > 1 else "n/a"
            values.append(f"{100 * v.mean():.1f} +- {std} ({len(v)})" if len(v) else "")
        out.append(f"| {regime} | {method} | {fraction:g} | " + " | ".join(values) + " |")
    return out

