"""The honest summary of a study: mean and spread over seeds, and its Markdown and CSV files.

Every number comes from the cell records; nothing is typed by hand. The seed-paired
differences between methods and their Holm families are made in ``_differences``,
the accuracy-matched control in ``_frontier``; this module puts them together.
"""

import csv
import io
import os

import numpy as np

from ._differences import (column, differences_table, group_by_cell, group_order,
                           paired_differences)
from ._format import is_unit_range
from ._frontier import frontier_differences, frontier_section, grid_records, has_frontier
from ._header import NEAR_CHANCE_POINTS, near_chance, run_description
from ._identity import records_config
from ._names import MATCHED_CONTROL
from ._records import Metric, as_record

__all__ = ["differences_csv", "identical_coresets", "summarize", "summary_csv",
           "summary_markdown"]


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
    groups = group_by_cell(records)
    for regime, method, fraction, metric in sorted(groups, key=group_order):
        by_seed = groups[(regime, method, fraction, metric)]
        values = np.array(list(by_seed.values()), dtype=float)
        rows.append({
            "regime": regime, "method": method, "fraction": fraction, "metric": metric,
            "mean": float(values.mean()),
            "std": float(values.std(ddof=1)) if len(values) > 1 else float("nan"),
            "n_seeds": len(values),
        })
    return rows


def _pct(x):
    return "n/a" if np.isnan(x) else f"{100 * x:.1f}"


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
    chance; then a table of means, one table of differences per reference,
    one of EasyCore's differences from its class-matched control and, when the
    study has a random frontier, each method's difference from it at its own
    clean accuracy (:func:`frontier_differences`). Each table of differences is
    one family for Holm's correction, its size stated. The means and the
    differences between methods are about the study's own fractions
    (:func:`grid_records`); the frontier's other random coresets are in its
    section.

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
    every = [as_record(r) for r in records]
    if config is None:
        config = every[0].config if every else {}
    records = grid_records(every, config)  # the frontier's own cells: in its section
    clip = config.get("recipe", {}).get("clip_values")
    rows = summarize(records)
    same = identical_coresets(records)
    metrics = sorted({r["metric"] for r in rows}, key=Metric.sort_key)
    header = " | ".join(column(m, clip) for m in metrics)
    cells = {(r["regime"], r["method"], r["fraction"], r["metric"]): r for r in rows}
    keys = list(dict.fromkeys((r["regime"], r["method"], r["fraction"]) for r in rows))
    out = ["# Study summary", ""] + run_description(records, config)
    warnings = _chance_lines(records)
    if warnings:
        out += [""] + warnings
    budgets = ("L-inf budgets in pixel units of [0, 1]; k/255 is k of 255 grey levels"
               if is_unit_range(clip)
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
    extra = sorted({r.fraction for r in every if r.method == "random"}
                   - {r.fraction for r in records if r.method == "random"})
    if extra:
        out += ["", "Random coresets of the frontier at fractions "
                + ", ".join(f"{f:g}" for f in extra) + " are not rows here: they are in "
                "`summary.csv`, the frontier's section and its figures."]
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
            out += differences_table(diffs, metrics, clip,
                                     f"Paired difference from {reference}", "")
    if has_frontier(config):
        out += frontier_section(every, metrics, clip, config, exclude=same)
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
    return differences_table(diffs, metrics, clip,
                              "Difference from the class-matched control", intro)


def differences_csv(records, references=("random", "easycore"), config=None):
    """The paired differences from each reference, one row per group, as CSV text.

    Methods whose coresets repeat another method's (:func:`identical_coresets`)
    are left out. EasyCore's differences from its class-matched control follow
    (reference ``matched_random``), then, when the study has a random frontier,
    each method's difference from it (reference ``frontier``,
    :func:`frontier_differences`; ``n_pairs``: the seeds inside the frontier's
    range). ``p_holm`` is corrected within each reference's family, of
    ``n_comparisons`` tests, as in ``summary.md``.

    Parameters
    ----------
    records : list of CellRecord or dict
    references : sequence of str, default=("random", "easycore")
    config : dict or None, default=None
        The study's configuration; None takes the first record's.

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
        lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    every = [as_record(r) for r in records]
    config = records_config(every) if config is None else config
    records = grid_records(every, config)
    same = identical_coresets(records)
    for reference in references:
        writer.writerows(paired_differences(records, reference, exclude=same))
    writer.writerows(paired_differences(records, MATCHED_CONTROL, methods=["easycore"]))
    if has_frontier(config):
        writer.writerows(frontier_differences(every, exclude=same,
                                              fractions=config.get("frontier")))
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
