"""Holm's correction for the included studies, recovered from their ``differences.csv``.

The studies under ``docs/results/`` were reported before the summary corrected its seed-paired
differences for multiple comparisons: their ``summary.md`` marks with ``*`` every interval that
excludes 0 (uncorrected), and their ``differences.csv`` holds, per comparison, ``mean_diff``,
the 95% Student-t interval ``ci_low``, ``ci_high`` and ``n_pairs``, but no p-value. The cells are
not kept, so this script recovers each two-sided paired t-test p-value from the interval,

    t = mean_diff / ((ci_high - ci_low) / 2 / t_{0.975, n_pairs - 1})
    p = 2 * sf(|t|, n_pairs - 1)  (Student t, n_pairs - 1 degrees of freedom)

(a zero-width interval: p = 0, or 1 when the mean is 0, as ``paired_t`` does), and applies the
library's own ``holm`` to the families the current ``summary_markdown`` forms:

- one family per reference (``random``, ``easycore``), leaving out the methods whose coresets
  repeat another's (``matched_random`` here: its ``summary.md`` says so, or every one of its
  differences from that method is exactly 0);
- the class-matched control, EasyCore minus ``matched_random``: here the rows of EasyCore minus
  the method the control repeats (``random``), as their own family.

It writes ``differences_holm.csv`` beside each ``differences.csv`` (the CSV's columns plus
``family``, ``p_value``, ``p_holm``, ``n_comparisons``, ``verdict_uncorrected`` and
``verdict_holm``) and prints, per family, how many differences the uncorrected intervals and
Holm call beyond noise::

    python docs/results/holm_recheck.py [STUDY_FOLDER ...]
"""

import argparse
import csv
import re
import sys
from pathlib import Path

import numpy as np
from scipy import stats

from sk_easycore.results import holm

HERE = Path(__file__).resolve().parent
ALPHA = 0.05
CONTROL = "matched_random"


def p_value(mean, low, high, n_pairs):
    """The two-sided paired t-test p-value that matches a 95% t-interval of ``n_pairs``."""
    if n_pairs < 3 or np.isnan(low):
        return float("nan")
    if high == low:
        return float(mean == 0)
    sem = (high - low) / 2 / stats.t.ppf(1 - ALPHA / 2, n_pairs - 1)
    return float(2 * stats.t.sf(abs(mean) / sem, n_pairs - 1))


def identical(rows, folder):
    """``{method: method whose coresets it repeats}``, from summary.md or exact-zero rows."""
    same = {}
    summary = folder / "summary.md"
    if summary.exists():
        same.update(re.findall(r"`(\w+)` selected exactly the rows of `(\w+)`",
                               summary.read_text()))
    pairs = {(r["method"], r["reference"]) for r in rows}
    for method, reference in pairs:
        mine = [r for r in rows if (r["method"], r["reference"]) == (method, reference)]
        if all(r["mean_diff"] == r["ci_low"] == r["ci_high"] == 0 for r in mine):
            same[method] = reference
    return same


def families(rows, same):
    """``{family name: rows}`` as the current summary groups the comparisons."""
    out = {}
    for reference in ("random", "easycore"):
        out[f"from {reference}"] = [r for r in rows if r["reference"] == reference
                                    and r["method"] not in same]
    repeated = same.get(CONTROL)
    if repeated is not None:
        out[f"easycore - {CONTROL}"] = [
            dict(r, reference=CONTROL) for r in rows
            if r["method"] == "easycore" and r["reference"] == repeated]
    return {name: family for name, family in out.items() if family}


def verdict(mean, p):
    if np.isnan(p):
        return "n/a"
    return ("better" if mean > 0 else "worse") if p < ALPHA else "within noise"


def recheck(folder, log=print):
    with open(folder / "differences.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        for key in ("mean_diff", "ci_low", "ci_high"):
            r[key] = float(r[key])
        r["n_pairs"] = int(r["n_pairs"])
    same = identical(rows, folder)
    out = []
    log(f"{folder.name}: identical coresets {same or 'none'}")
    for name, family in families(rows, same).items():
        ps = [p_value(r["mean_diff"], r["ci_low"], r["ci_high"], r["n_pairs"]) for r in family]
        adjusted = holm(ps)
        m = int(np.sum(~np.isnan(adjusted)))
        for r, p, p_holm in zip(family, ps, adjusted):
            out.append(dict(r, family=name, p_value=p, p_holm=float(p_holm), n_comparisons=m,
                            verdict_uncorrected=verdict(r["mean_diff"], p),
                            verdict_holm=verdict(r["mean_diff"], p_holm)))
        counts = {key: {v: sum(o[key] == v for o in out[-len(family):])
                        for v in ("better", "worse")}
                  for key in ("verdict_uncorrected", "verdict_holm")}
        log(f"  {name}: {m} comparisons; beyond noise uncorrected "
            f"{counts['verdict_uncorrected']}, after Holm {counts['verdict_holm']}")
    fields = ["family", "regime", "method", "reference", "fraction", "metric", "mean_diff",
              "ci_low", "ci_high", "n_pairs", "p_value", "p_holm", "n_comparisons",
              "verdict_uncorrected", "verdict_holm"]
    with open(folder / "differences_holm.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields, extrasaction="ignore",
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(out)
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path,
                        default=sorted(p.parent for p in HERE.glob("*/differences.csv")))
    for folder in parser.parse_args(argv).folders:
        recheck(folder)


if __name__ == "__main__":
    sys.exit(main())
