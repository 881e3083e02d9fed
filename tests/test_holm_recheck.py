"""docs/results/holm_recheck.py: p-values back from the intervals, Holm per table as the report."""

import csv
import importlib.util
from pathlib import Path

import numpy as np

from sk_easycore.results import holm
from sk_easycore.results._stats import paired_t

SCRIPT = Path(__file__).resolve().parents[1] / "docs" / "results" / "holm_recheck.py"


def load_script():
    spec = importlib.util.spec_from_file_location("holm_recheck", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_p_values_come_back_from_the_intervals_and_holm_runs_per_family(tmp_path):
    rng = np.random.default_rng(0)
    fields = ["regime", "method", "reference", "fraction", "metric", "mean_diff", "ci_low",
              "ci_high", "n_pairs", "verdict"]
    rows, expected = [], {}
    for reference, methods in (("random", ["easycore", "el2n", "matched_random"]),
                               ("easycore", ["random", "el2n", "matched_random"])):
        for method in methods:
            for metric in ("clean", "pgd@0.1"):
                diffs = rng.normal(0.03, 0.02, 3)
                if method == "matched_random":  # the control repeats random's coresets
                    diffs = diffs * 0 if reference == "random" else expected[
                        ("random", "easycore", metric)][1]
                mean, low, high, p = paired_t(diffs)
                expected[(reference, method, metric)] = (p, -diffs)
                rows.append(dict(regime="standard", method=method, reference=reference,
                                 fraction=0.3, metric=metric, mean_diff=mean, ci_low=low,
                                 ci_high=high, n_pairs=3, verdict=""))
    with open(tmp_path / "differences.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    out = load_script().recheck(tmp_path, log=lambda line: None)
    by_family = {}
    for row in out:
        by_family.setdefault(row["family"], []).append(row)
        p = expected[(row["reference"] if row["family"] != "easycore - matched_random"
                      else "random", row["method"], row["metric"])][0]
        assert np.isclose(row["p_value"], p, rtol=1e-9)
    # matched_random is left out of both tables; the control table holds EasyCore's rows
    assert sorted(by_family) == ["easycore - matched_random", "from easycore", "from random"]
    assert [len(rows) for _, rows in sorted(by_family.items())] == [2, 4, 4]
    for family in by_family.values():
        ps = [r["p_value"] for r in family]
        assert np.allclose([r["p_holm"] for r in family], holm(ps))
        assert all(r["n_comparisons"] == len(family) for r in family)
    assert (tmp_path / "differences_holm.csv").read_text().startswith("family,regime,method")
