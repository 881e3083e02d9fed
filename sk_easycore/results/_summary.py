"""The honest summary of a study: mean and spread over seeds, and paired differences.

Every number comes from the cell records; nothing is typed by hand. A difference
between two methods is computed seed by seed (same seed, fraction, regime and
metric), and reported with a two-sided 95% Student-t confidence interval; when the
interval contains zero, or fewer than two seeds are paired, the summary says that
the difference is within noise; with fewer than three paired seeds it always
does (two seeds that happen to agree would give a zero-width interval).
"""

import csv
import io
import os
from collections import defaultdict

import numpy as np
from scipy import stats

from ._names import method_order
from ._records import Metric, as_record

__all__ = ["differences_csv", "identical_coresets", "paired_differences", "summarize",
           "summary_csv", "summary_markdown"]

CONFIDENCE = 0.95
# Two seeds that happen to agree give a zero-width interval: no verdict below three pairs.
MIN_PAIRS = 3


def _group(records):
    groups = defaultdict(dict)  # (regime, method, fraction, metric) -> {seed: value}
    for r in map(as_record, records):
        for metric, value in r.metrics.items():
            groups[(r.regime, r.method, r.fraction, metric)][r.seed] = value
    return groups


def _sort_key(group):
    regime, method, fraction, metric = group
    return (regime != "standard", regime, method_order(method), fraction, metric.sort_key())


def identical_coresets(records):
    """Methods whose every cell trained the very coreset of another method's cell.

    The study trains such a coreset once (for example the class-matched control,
    which under class-balanced selection draws exactly the rows of ``random``)
    and records it as ``same_coreset_as``.

    Parameters
    ----------
    records : list of CellRecord or dict

    Returns
    -------
    same : dict of {str: str}
        ``{method: method whose coresets it repeats}``.

    Examples
    --------
    >>> recs = [{"method": "random", "fraction": 0.3, "regime": "standard", "seed": 0,
    ...          "metrics": {"clean": 0.9}},
    ...         {"method": "matched_random", "fraction": 0.3, "regime": "standard", "seed": 0,
    ...          "metrics": {"clean": 0.9}, "same_coreset_as": "random__f0.3__standard__s0"}]
    >>> identical_coresets(recs)
    {'matched_random': 'random'}
    """
    records = [as_record(r) for r in records]
    method_of = {r.key: r.method for r in records}
    same = {}
    for method in {r.method for r in records}:
        cells = [r for r in records if r.method == method]
        sources = {method_of.get(r.same_coreset_as) for r in cells}
        if len(sources) == 1 and None not in sources:
            same[method] = sources.pop()
    return same


def summarize(records):
    """Mean, standard deviation and count over seeds per (regime, method, fraction, metric).

    Parameters
    ----------
    records : list of CellRecord or dict
        Cell records (dicts need ``regime``, ``method``, ``fraction``, ``seed``
        and ``metrics``, a dict of metric name to value).

    Returns
    -------
    rows : list of dict
        One row per group (``metric`` is a :class:`Metric`), standard training
        first, methods in display order, with ``mean``, ``std`` (ddof=1; NaN for
        one seed) and ``n_seeds``.

    Examples
    --------
    >>> recs = [{"regime": "standard", "method": "random", "fraction": 0.3, "seed": s,
    ...          "metrics": {"clean": v}} for s, v in enumerate([0.8, 0.9])]
    >>> row = summarize(recs)[0]
    >>> row["metric"], round(row["mean"], 3), round(row["std"], 4), row["n_seeds"]
    (Metric(attack='clean', eps=0.0), 0.85, 0.0707, 2)
    """
    rows = []
    groups = _group(records)
    for regime, method, fraction, metric in sorted(groups, key=_sort_key):
        by_seed = groups[(regime, method, fraction, metric)]
        values = np.array(list(by_seed.values()), dtype=float)
        rows.append({
            "regime": regime, "method": method, "fraction": fraction, "metric": metric,
            "mean": float(values.mean()),
            "std": float(values.std(ddof=1)) if len(values) > 1 else float("nan"),
            "n_seeds": len(values),
        })
    return rows


def paired_differences(records, reference):
    """Seed-paired differences ``method - reference`` per (regime, fraction, metric).

    Parameters
    ----------
    records : list of CellRecord or dict
        Cell records (see :func:`summarize`).
    reference : str
        The method subtracted, e.g. ``"random"`` or ``"easycore"``.

    Returns
    -------
    rows : list of dict
        ``mean_diff``, ``ci_low``, ``ci_high`` (95% t-interval; NaN with one pair),
        ``n_pairs`` and ``verdict``: ``"better"``, ``"worse"`` or ``"within noise"``
        (always so with fewer than three pairs).

    Examples
    --------
    >>> recs = [{"regime": "standard", "method": m, "fraction": 0.3, "seed": s,
    ...          "metrics": {"clean": v}}
    ...         for m, vals in [("random", [0.80, 0.82, 0.81]), ("easycore", [0.85, 0.88, 0.86])]
    ...         for s, v in enumerate(vals)]
    >>> row = paired_differences(recs, "random")[0]
    >>> row["method"], round(row["mean_diff"], 3), row["verdict"]
    ('easycore', 0.053, 'better')
    """
    groups = _group(records)
    rows = []
    for regime, method, fraction, metric in sorted(groups, key=_sort_key):
        by_seed = groups[(regime, method, fraction, metric)]
        ref = groups.get((regime, reference, fraction, metric))
        if method == reference or ref is None:
            continue
        seeds = sorted(set(by_seed) & set(ref))
        if not seeds:
            continue
        diffs = np.array([by_seed[s] - ref[s] for s in seeds], dtype=float)
        mean = float(diffs.mean())
        if len(diffs) > 1:
            half = float(stats.t.ppf(0.5 + CONFIDENCE / 2, len(diffs) - 1)
                         * diffs.std(ddof=1) / np.sqrt(len(diffs)))
            low, high = mean - half, mean + half
        else:
            low = high = float("nan")
        if len(diffs) >= MIN_PAIRS and low > 0:
            verdict = "better"
        elif len(diffs) >= MIN_PAIRS and high < 0:
            verdict = "worse"
        else:
            verdict = "within noise"
        rows.append({
            "regime": regime, "method": method, "reference": reference,
            "fraction": fraction, "metric": metric, "mean_diff": mean,
            "ci_low": low, "ci_high": high, "n_pairs": len(diffs), "verdict": verdict,
        })
    return rows


def _pct(x):
    return "n/a" if np.isnan(x) else f"{100 * x:.1f}"


def _diff_cell(d):
    mark = "*" if d["verdict"] != "within noise" else ""
    if np.isnan(d["ci_low"]):
        return f"{100 * d['mean_diff']:+.1f}"
    return (f"{100 * d['mean_diff']:+.1f}{mark} "
            f"[{100 * d['ci_low']:+.1f}, {100 * d['ci_high']:+.1f}]")


def summary_markdown(records, references=("random", "easycore"), figures=None):
    """The summary as Markdown: a table of means and one table of differences per reference.

    Parameters
    ----------
    records : list of dict
        Cell records (see :func:`summarize`).
    references : sequence of str, default=("random", "easycore")
        One table of seed-paired differences per reference method present.
    figures : sequence of str or None, default=None
        Image paths (relative to the Markdown file) embedded in a last
        "Figures" section.

    Returns
    -------
    text : str
        The Markdown.

    Examples
    --------
    >>> recs = [{"regime": "standard", "method": "random", "fraction": 0.3, "seed": 0,
    ...          "metrics": {"clean": 0.9}}]
    >>> print(summary_markdown(recs).splitlines()[4])
    | standard | random | 0.3 | 90.0 +- n/a (1) |
    """
    records = [as_record(r) for r in records]
    rows = summarize(records)
    same = identical_coresets(records)
    metrics = sorted({r["metric"] for r in rows}, key=Metric.sort_key)
    header = " | ".join(m.key for m in metrics)
    cells = {(r["regime"], r["method"], r["fraction"], r["metric"]): r for r in rows}
    keys = list(dict.fromkeys((r["regime"], r["method"], r["fraction"]) for r in rows))
    out = ["## Accuracy (%), mean +- std over seeds (number of seeds)", "",
           "| regime | method | fraction | " + header + " |",
           "|---|---|---|" + "---|" * len(metrics)]
    for regime, method, fraction in keys:
        values = []
        for m in metrics:
            r = cells.get((regime, method, fraction, m))
            values.append("" if r is None else
                          f"{_pct(r['mean'])} +- {_pct(r['std'])} ({r['n_seeds']})")
        name = method if method not in same else f"{method} (= {same[method]})"
        out.append(f"| {regime} | {name} | {fraction:g} | " + " | ".join(values) + " |")
    subsets = sorted({(Metric.parse(key).attack, d["n_samples"]) for r in records
                      for key, d in r.attack_details.items() if "samples" in d})
    if subsets:
        out += ["", "On a subset: " + "; ".join(
            f"`{attack}` accuracies are on {n} test images (a stratified subset, the same for "
            "every model; each cell lists them)" for attack, n in subsets) + "."]
    if same:
        out += ["", "Identical coresets, trained once: " + "; ".join(
            f"`{m}` selected exactly the rows of `{s}` in every cell (for the class-matched "
            "control under class-balanced selection: the same per-class counts and the same "
            "seeded draw), so its rows repeat those numbers and it is left out of the "
            "differences below" if m == "matched_random" else
            f"`{m}` selected exactly the rows of `{s}` in every cell"
            for m, s in sorted(same.items())) + "."]
    for reference in references:
        diffs = [d for d in paired_differences(records, reference) if d["method"] not in same]
        if not diffs:
            continue
        by_row = defaultdict(dict)
        for d in diffs:
            by_row[(d["regime"], d["method"], d["fraction"])][d["metric"]] = d
        out += ["", f"## Paired difference from {reference} (percentage points, seed by seed)",
                "", f"Mean difference and its {CONFIDENCE:.0%} Student-t confidence interval over "
                "the paired seeds. `*` marks an interval that excludes 0 over at least "
                f"{MIN_PAIRS} seeds; every other difference is within noise.", "",
                "| regime | method | fraction | pairs | " + header + " |",
                "|---|---|---|---|" + "---|" * len(metrics)]
        for (regime, method, fraction), row in by_row.items():
            pairs = max(d["n_pairs"] for d in row.values())
            values = ["" if m not in row else _diff_cell(row[m]) for m in metrics]
            out.append(f"| {regime} | {method} | {fraction:g} | {pairs} | "
                       + " | ".join(values) + " |")
    if figures:
        out += ["", "## Figures", ""]
        out += [f"![{os.path.splitext(os.path.basename(f))[0]}]({f})\n" for f in figures]
    return "\n".join(out) + "\n"


def differences_csv(records, references=("random", "easycore")):
    """The paired differences from each reference, one row per group, as CSV text.

    Methods whose coresets repeat another method's (:func:`identical_coresets`)
    are left out.

    Parameters
    ----------
    records : list of CellRecord or dict
    references : sequence of str, default=("random", "easycore")

    Returns
    -------
    text : str

    Examples
    --------
    >>> recs = [{"regime": "standard", "method": m, "fraction": 0.3, "seed": 0,
    ...          "metrics": {"clean": v}} for m, v in [("random", 0.8), ("easycore", 0.9)]]
    >>> differences_csv(recs).splitlines()[0]
    'regime,method,reference,fraction,metric,mean_diff,ci_low,ci_high,n_pairs,verdict'
    """
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=[
        "regime", "method", "reference", "fraction", "metric", "mean_diff", "ci_low",
        "ci_high", "n_pairs", "verdict"], lineterminator="\n")
    writer.writeheader()
    same = identical_coresets(records)
    for reference in references:
        writer.writerows(d for d in paired_differences(records, reference)
                         if d["method"] not in same)
    return buf.getvalue()


def summary_csv(records):
    """The per-group means and spreads as CSV text.

    Parameters
    ----------
    records : list of CellRecord or dict

    Returns
    -------
    text : str

    Examples
    --------
    >>> recs = [{"regime": "standard", "method": "random", "fraction": 0.3, "seed": 0,
    ...          "metrics": {"clean": 0.9}}]
    >>> summary_csv(recs).splitlines()[0]
    'regime,method,fraction,metric,mean,std,n_seeds'
    """
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=["regime", "method", "fraction", "metric",
                                             "mean", "std", "n_seeds"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(summarize(records))
    return buf.getvalue()
