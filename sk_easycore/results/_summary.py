"""The honest summary of a study: mean and spread over seeds, and paired differences.

Every number comes from the cell records; nothing is typed by hand. A difference
between two methods is computed seed by seed (same seed, fraction, regime and
metric), and reported with a two-sided 95% Student-t confidence interval and the
matching paired t-test p-value. The differences of one table are one family: their
p-values are corrected with Holm's method, and a difference is called beyond noise
only when its corrected p-value is below 0.05. With fewer than three paired seeds
there is no interval and no test (two seeds that happen to agree would give a
zero-width interval).
"""

import csv
import io
import os
from collections import defaultdict

import numpy as np

from ._format import eps_label, is_unit_range, signed
from ._header import NEAR_CHANCE_POINTS, near_chance, run_description
from ._names import MATCHED_CONTROL, method_order
from ._records import Metric, as_record
from ._stats import holm, paired_t

__all__ = ["differences_csv", "identical_coresets", "paired_differences", "summarize",
           "summary_csv", "summary_markdown"]

CONFIDENCE = 0.95
# Two seeds that happen to agree give a zero-width interval: no verdict below three pairs.
MIN_PAIRS = 3
NOT_TESTED = f"n/a (< {MIN_PAIRS} seeds)"


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


def paired_differences(records, reference, *, methods=None, exclude=()):
    """Seed-paired differences ``method - reference`` per (regime, fraction, metric), Holm-corrected.

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
    groups = _group(records)
    rows = []
    for regime, method, fraction, metric in sorted(groups, key=_sort_key):
        by_seed = groups[(regime, method, fraction, metric)]
        ref = groups.get((regime, reference, fraction, metric))
        if (method == reference or ref is None or method in exclude
                or (methods is not None and method not in methods)):
            continue
        seeds = sorted(set(by_seed) & set(ref))
        if not seeds:
            continue
        diffs = [by_seed[s] - ref[s] for s in seeds]
        mean, low, high, p_value = paired_t(diffs, CONFIDENCE)
        if len(diffs) < MIN_PAIRS:
            low = high = p_value = float("nan")
        rows.append({
            "regime": regime, "method": method, "reference": reference,
            "fraction": fraction, "metric": metric, "mean_diff": mean,
            "ci_low": low, "ci_high": high, "p_value": p_value, "n_pairs": len(diffs),
        })
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


def _pct(x):
    return "n/a" if np.isnan(x) else f"{100 * x:.1f}"


def _diff_cell(d):
    mark = "*" if d["verdict"] in ("better", "worse") else ""
    mean = signed(100 * d["mean_diff"])
    if np.isnan(d["ci_low"]):
        return f"{mean} [{NOT_TESTED}]"
    return f"{mean}{mark} [{signed(100 * d['ci_low'])}, {signed(100 * d['ci_high'])}]"


def _column(metric, clip_values):
    return "clean" if metric.is_clean else f"{metric.attack}@{eps_label(metric.eps, clip_values)}"


def _differences_table(diffs, metrics, clip_values, title, intro):
    """One section of seed-paired differences, its family's size stated."""
    n = diffs[0]["n_comparisons"]
    by_row = defaultdict(dict)
    for d in diffs:
        by_row[(d["regime"], d["method"], d["fraction"])][d["metric"]] = d
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
    out = ["", f"## {title} (percentage points, seed by seed)", "",
           " ".join(t for t in (intro, how) if t), "",
           "| regime | method | fraction | pairs | "
           + " | ".join(_column(m, clip_values) for m in metrics) + " |",
           "|---|---|---|---|" + "---|" * len(metrics)]
    for (regime, method, fraction), row in by_row.items():
        pairs = max(d["n_pairs"] for d in row.values())
        values = ["" if m not in row else _diff_cell(row[m]) for m in metrics]
        out.append(f"| {regime} | {method} | {fraction:g} | {pairs} | "
                   + " | ".join(values) + " |")
    return out


def _chance_lines(records):
    return [f"> **Warning**: the full-data model of `{regime}` training reaches "
            f"{100 * clean:.1f}% clean accuracy, within {NEAR_CHANCE_POINTS:g} points of the "
            f"majority-class rate ({100 * majority:.1f}% of the training rows): it has learned "
            "little, so its attacks and every difference below say little. On tables, check "
            "the columns' scales (a recipe with `standardize=True`)."
            for regime, clean, majority in near_chance(records)]


def summary_markdown(records, references=("random", "easycore"), figures=None, config=None):
    """The summary as Markdown: what was run, the means, and the seed-paired differences.

    It opens with what was run (:func:`run_description`: data and its hash,
    network, epochs, selection, training and evaluation budgets, seeds,
    machine and versions) and a warning when the full-data model is near
    chance; then a table of means, one table of differences per reference and
    one of EasyCore's differences from its class-matched control. Each table
    of differences is one family for Holm's correction, its size stated.

    Parameters
    ----------
    records : list of dict
        Cell records (see :func:`summarize`).
    references : sequence of str, default=("random", "easycore")
        One table of seed-paired differences per reference method present.
    figures : sequence of str or None, default=None
        Image paths (relative to the Markdown file) embedded in a last
        "Figures" section.
    config : dict or None, default=None
        The study's configuration (``study.json``); None takes the first
        cell's.

    Returns
    -------
    text : str
        The Markdown.

    Examples
    --------
    >>> recs = [{"regime": "standard", "method": "random", "fraction": 0.3, "seed": 0,
    ...          "metrics": {"clean": 0.9}}]
    >>> text = summary_markdown(recs)
    >>> "| standard | random | 0.3 | 90.0 +- n/a (1) |" in text
    True
    """
    records = [as_record(r) for r in records]
    if config is None:
        config = records[0].config if records else {}
    clip = config.get("recipe", {}).get("clip_values")
    rows = summarize(records)
    same = identical_coresets(records)
    metrics = sorted({r["metric"] for r in rows}, key=Metric.sort_key)
    header = " | ".join(_column(m, clip) for m in metrics)
    cells = {(r["regime"], r["method"], r["fraction"], r["metric"]): r for r in rows}
    keys = list(dict.fromkeys((r["regime"], r["method"], r["fraction"]) for r in rows))
    out = ["# Study summary", ""] + run_description(records, config)
    warnings = _chance_lines(records)
    if warnings:
        out += [""] + warnings
    budgets = ("L-inf budgets in k/255 of the [0, 1] pixel range" if is_unit_range(clip)
               else "L-inf budgets in the data's units")
    out += ["", f"## Accuracy (%), mean +- std over seeds (number of seeds; {budgets})", "",
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
            "differences below" if m == MATCHED_CONTROL else
            f"`{m}` selected exactly the rows of `{s}` in every cell"
            for m, s in sorted(same.items())) + "."]
    out += _control_section(records, metrics, clip, same)
    for reference in references:
        diffs = paired_differences(records, reference, exclude=same)
        if diffs:
            out += _differences_table(diffs, metrics, clip,
                                      f"Paired difference from {reference}", "")
    if figures:
        out += ["", "## Figures", ""]
        out += [f"![{os.path.splitext(os.path.basename(f))[0]}]({f})\n" for f in figures]
    return "\n".join(out) + "\n"


def _control_section(records, metrics, clip, same):
    diffs = paired_differences(records, MATCHED_CONTROL, methods=["easycore"])
    if not diffs:
        return []
    intro = ("EasyCore minus `matched_random`, a random coreset drawn with the same seed and "
             "exactly EasyCore's per-class counts: what EasyCore's choice of rows adds beyond "
             "its class mix.")
    if same.get(MATCHED_CONTROL):
        intro += (f" Here the control drew exactly the rows of `{same[MATCHED_CONTROL]}`, so "
                  f"these are also the differences from `{same[MATCHED_CONTROL]}` below.")
    return _differences_table(diffs, metrics, clip,
                              "Difference from the class-matched control", intro)


def differences_csv(records, references=("random", "easycore")):
    """The paired differences from each reference, one row per group, as CSV text.

    Methods whose coresets repeat another method's (:func:`identical_coresets`)
    are left out. EasyCore's differences from its class-matched control follow
    (reference ``matched_random``). ``p_holm`` is corrected within each
    reference's family, of ``n_comparisons`` tests, as in ``summary.md``.

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
    >>> differences_csv(recs).splitlines()[0].split(",")[5:]
    ['mean_diff', 'ci_low', 'ci_high', 'p_value', 'p_holm', 'n_comparisons', 'n_pairs', 'verdict']
    """
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=[
        "regime", "method", "reference", "fraction", "metric", "mean_diff", "ci_low",
        "ci_high", "p_value", "p_holm", "n_comparisons", "n_pairs", "verdict"],
        lineterminator="\n")
    writer.writeheader()
    same = identical_coresets(records)
    for reference in references:
        writer.writerows(paired_differences(records, reference, exclude=same))
    writer.writerows(paired_differences(records, MATCHED_CONTROL, methods=["easycore"]))
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
