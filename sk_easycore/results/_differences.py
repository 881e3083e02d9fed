"""Seed-paired differences between methods: the rows, their Holm family, their Markdown table.

A difference between two methods is computed seed by seed (same seed, fraction,
regime and metric), and reported with a two-sided 95% Student-t confidence
interval and the matching paired t-test p-value. The differences of one table are
one family: their p-values are corrected with Holm's method, and a difference is
called beyond noise only when its corrected p-value is below 0.05. With fewer than
three paired seeds there is no interval and no test (two seeds that happen to
agree would give a zero-width interval).
"""

from collections import defaultdict

import numpy as np

from ._format import eps_label, signed
from ._names import method_order
from ._records import as_record
from ._stats import holm, paired_t

__all__ = ["paired_differences"]

CONFIDENCE = 0.95
# Two seeds that happen to agree give a zero-width interval: no verdict below three pairs.
MIN_PAIRS = 3
NOT_TESTED = f"n/a (< {MIN_PAIRS} seeds)"


def group_by_cell(records):
    """``{(regime, method, fraction, metric): {seed: value}}`` of the records."""
    groups = defaultdict(dict)  # (regime, method, fraction, metric) -> {seed: value}
    for r in map(as_record, records):
        for metric, value in r.metrics.items():
            groups[(r.regime, r.method, r.fraction, metric)][r.seed] = value
    return groups


def group_order(group):
    """Sort key of a group: standard training first, methods in display order."""
    regime, method, fraction, metric = group
    return (regime != "standard", regime, method_order(method), fraction, metric.sort_key())


def paired_differences(records, reference, *, methods=None, exclude=()):
    """Seed-paired differences ``method - reference`` per (regime, fraction, metric), Holm.

    The rows returned are one family: their paired t-test p-values are
    corrected together with Holm's method (:func:`holm`), and the verdict
    reads the corrected p-value.

    Parameters
    ----------
    records : list of CellRecord or dict
        Cell records (see :func:`summarize`).
    reference : str
        The method subtracted, e.g. ``"random"`` or ``"easycore"``.
    methods : sequence of str or None, default=None
        Compare only these methods with the reference; None compares every other.
    exclude : collection of str, default=()
        Methods left out of the comparisons (and of the family).

    Returns
    -------
    rows : list of dict
        ``mean_diff``; ``ci_low``, ``ci_high`` (the 95% t-interval of this
        comparison alone) and ``p_value`` (its paired t-test), all NaN with
        fewer than three pairs; ``p_holm`` (Holm-adjusted over the rows),
        ``n_comparisons`` (the family's size: rows with at least three pairs),
        ``n_pairs``, and ``verdict``: ``"better"`` or ``"worse"`` when
        ``p_holm < 0.05``, ``"within noise"`` otherwise, ``"n/a (< 3 seeds)"``
        with fewer than three pairs.

    Examples
    --------
    >>> recs = [{"regime": "standard", "method": m, "fraction": 0.3, "seed": s,
    ...          "metrics": {"clean": v}}
    ...         for m, vals in [("random", [0.80, 0.82, 0.81]), ("easycore", [0.85, 0.88, 0.86])]
    ...         for s, v in enumerate(vals)]
    >>> row = paired_differences(recs, "random")[0]
    >>> row["method"], round(row["mean_diff"], 3), round(row["p_value"], 4), row["verdict"]
    ('easycore', 0.053, 0.0039, 'better')
    """
    groups = group_by_cell(records)
    rows = []
    for regime, method, fraction, metric in sorted(groups, key=group_order):
        by_seed = groups[(regime, method, fraction, metric)]
        ref = groups.get((regime, reference, fraction, metric))
        if (method == reference or ref is None or method in exclude
                or (methods is not None and method not in methods)):
            continue
        seeds = sorted(set(by_seed) & set(ref))
        if not seeds:
            continue
        rows.append({"regime": regime, "method": method, "reference": reference,
                     "fraction": fraction, "metric": metric,
                     **paired_stats([by_seed[s] - ref[s] for s in seeds])})
    return judge_family(rows)


def paired_stats(diffs):
    """``mean_diff``, ``ci_low``, ``ci_high``, ``p_value`` and ``n_pairs`` of paired differences.

    No interval and no test (NaN) with fewer than :data:`MIN_PAIRS` pairs.
    """
    mean, low, high, p_value = paired_t(diffs, CONFIDENCE)
    if len(diffs) < MIN_PAIRS:
        low = high = p_value = float("nan")
    return {"mean_diff": mean, "ci_low": low, "ci_high": high, "p_value": p_value,
            "n_pairs": len(diffs)}


def judge_family(rows):
    """Correct the rows' p-values together (Holm) and give each its verdict, in place."""
    adjusted = holm([r["p_value"] for r in rows])
    n_comparisons = int(np.sum(~np.isnan(adjusted)))
    for row, p_holm in zip(rows, adjusted):
        row["p_holm"] = float(p_holm)
        row["n_comparisons"] = n_comparisons
        if np.isnan(p_holm):
            row["verdict"] = NOT_TESTED
        elif p_holm < 1 - CONFIDENCE:
            row["verdict"] = "better" if row["mean_diff"] > 0 else "worse"
        else:
            row["verdict"] = "within noise"
    return rows


def diff_cell(d):
    """A difference as a table cell: ``+1.2* [+0.3, +2.1]`` (points; ``*``: beyond noise)."""
    mark = "*" if d["verdict"] in ("better", "worse") else ""
    mean = signed(100 * d["mean_diff"])
    if np.isnan(d["ci_low"]):
        return f"{mean} [{NOT_TESTED}]"
    return f"{mean}{mark} [{signed(100 * d['ci_low'])}, {signed(100 * d['ci_high'])}]"


def column(metric, clip_values):
    """A metric as a column head: ``clean`` or ``pgd@8/255``."""
    return "clean" if metric.is_clean else f"{metric.attack}@{eps_label(metric.eps, clip_values)}"


def family_note(diffs):
    """How to read a table of differences: the interval, ``*`` and the family's size."""
    n = diffs[0]["n_comparisons"]
    if n:
        how = (f"Mean difference and its {CONFIDENCE:.0%} Student-t confidence interval over "
               "the paired seeds (each interval on its own, uncorrected). `*` marks a "
               f"difference beyond noise after Holm's correction for the {n} "
               f"comparison{'s' if n != 1 else ''} of this table (every row and metric with "
               f"at least {MIN_PAIRS} paired seeds): its Holm-adjusted paired t-test p-value "
               f"is below {1 - CONFIDENCE:.2g}.")
    else:
        how = (f"No row has {MIN_PAIRS} paired seeds: the mean differences are shown without "
               "an interval or a test (run more seeds to tell them from noise).")
    if any(np.isnan(d["ci_low"]) for d in diffs) and n:
        how += (f" `{NOT_TESTED}`: fewer than {MIN_PAIRS} paired seeds, no interval and "
                "no test.")
    return how


def differences_table(diffs, metrics, clip_values, title, intro):
    """One section of seed-paired differences, its family's size stated."""
    by_row = defaultdict(dict)
    for d in diffs:
        by_row[(d["regime"], d["method"], d["fraction"])][d["metric"]] = d
    out = ["", f"## {title} (percentage points, seed by seed)", "",
           " ".join(t for t in (intro, family_note(diffs)) if t), "",
           "| regime | method | fraction | pairs | "
           + " | ".join(column(m, clip_values) for m in metrics) + " |",
           "|---|---|---|---|" + "---|" * len(metrics)]
    for (regime, method, fraction), row in by_row.items():
        pairs = max(d["n_pairs"] for d in row.values())
        values = ["" if m not in row else diff_cell(row[m]) for m in metrics]
        out.append(f"| {regime} | {method} | {fraction:g} | {pairs} | "
                   + " | ".join(values) + " |")
    return out
