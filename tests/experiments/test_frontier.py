"""The random-coreset frontier: its cells, its accuracy-matched differences, section and figure."""

import numpy as np
import pytest

from sk_easycore.experiments import StudyConfig, run_study, study_config
from sk_easycore.experiments._cells import study_cells
from sk_easycore.experiments.cli import _parser
from sk_easycore.plotting import save_study_figures
from sk_easycore.results import (differences_csv, frontier_at, frontier_differences,
                                 grid_records, summary_markdown)

CONFIG = {"methods": ["easycore", "random", "matched_random"], "fractions": [0.5],
          "frontier": [0.1, 0.5], "seeds": [0, 1, 2], "recipe": {"clip_values": None}}


def rec(method, fraction, seed, clean, robust, **metrics):
    return {"method": method, "fraction": fraction, "regime": "standard", "seed": seed,
            "metrics": {"clean": clean, "pgd@0.05": robust, **metrics}, "config": CONFIG}


def frontier(seed, shift=0.0):
    """A seed's random models: 10% (90, 64), 50% (94, 55) and the full data (96, 53)."""
    return [rec("random", 0.1, seed, 0.90 + shift, 0.64), rec("random", 0.5, seed, 0.94, 0.55),
            rec("full", 1.0, seed, 0.96, 0.53)]


def test_interpolation_ties_and_no_extrapolation():
    points = [(0.90, 0.64), (0.94, 0.55), (0.96, 0.53)]
    assert frontier_at(points, 0.91) == pytest.approx(0.64 - 0.25 * 0.09)
    assert frontier_at(points, 0.95) == pytest.approx(0.54)
    assert frontier_at(points, 0.90) == pytest.approx(0.64)  # the ends are inside
    assert frontier_at(points, 0.89) is None and frontier_at(points, 0.97) is None
    # equal clean accuracies are one point, their robust accuracies averaged
    assert frontier_at([(0.9, 0.6), (0.9, 0.4), (1.0, 0.0)], 0.9) == pytest.approx(0.5)
    assert frontier_at([], 0.9) is None


def test_differences_seed_by_seed_with_seeds_outside_the_frontier_left_out():
    # easycore at 50% sits at (91, 65): the frontier there is 64 - 0.25 * 9 = 61.75, so +3.25;
    # seed 3's frontier starts at 92 clean: no value, counted as a seed not used
    records = [r for s in range(3) for r in frontier(s)] + frontier(3, shift=0.02)
    records += [rec("easycore", 0.5, s, 0.91, 0.65 + 0.001 * s) for s in range(4)]
    row, = frontier_differences(records)
    assert (row["method"], row["reference"], row["n_pairs"], row["n_seeds"]) == (
        "easycore", "frontier", 3, 4)
    assert row["mean_diff"] == pytest.approx(0.0325 + 0.001)
    assert row["clean_vs_random"] == pytest.approx(0.91 - 0.94)
    assert row["ci_low"] < row["mean_diff"] < row["ci_high"] and row["verdict"] == "better"
    # beating random at the same fraction (+10 points) is mostly the trade-off here
    same_fraction = 0.65 - 0.55
    assert row["mean_diff"] < same_fraction / 2


def test_two_seeds_give_no_interval_and_the_family_counts_only_tested_rows():
    records = [r for s in range(3) for r in frontier(s)]
    records += [rec("easycore", 0.5, s, 0.91, 0.60 + 0.01 * s) for s in range(3)]
    records += [rec("el2n", 0.5, s, 0.95, 0.50) for s in range(2)]  # two seeds only
    rows = {r["method"]: r for r in frontier_differences(records)}
    assert rows["el2n"]["verdict"] == "n/a (< 3 seeds)" and np.isnan(rows["el2n"]["ci_low"])
    assert rows["easycore"]["n_comparisons"] == rows["el2n"]["n_comparisons"] == 1
    text = summary_markdown(records, config=CONFIG)
    part = text.split("## Difference from the random frontier (accuracy-matched)")[1]
    part = part.split("\n## ")[0]
    assert "Holm's correction for the 1 comparison of this table" in part
    assert "| standard | el2n | 0.5 | 2 of 2 | +1.0 | " in part and "n/a (< 3 seeds)" in part
    assert "-0.0" not in text


def test_section_csv_and_main_tables_only_with_a_frontier():
    records = [r for s in range(3) for r in frontier(s)]
    records += [rec("easycore", 0.5, s, 0.91, 0.6575) for s in range(3)]
    text = summary_markdown(records, config=CONFIG)
    assert "## Difference from the random frontier (accuracy-matched)" in text
    assert "| standard | easycore | 0.5 | 3 of 3 | -3.0 | +4.0* [+4.0, +4.0] |" in text
    # the main table and its differences are the study's fractions: random 10% is frontier only
    means = text.split("## Accuracy")[1].split("\n## ")[0]
    assert "| standard | random | 0.5 |" in means and "| standard | random | 0.1 |" not in means
    assert "Random coresets of the frontier at fractions 0.1 are not rows here" in means
    assert "| standard | random | 0.1 | 90.0 +- 0.0 (3) | 64.0 +- 0.0 (3) |" in text
    assert [r.fraction for r in grid_records(records) if r.method == "random"] == [0.5] * 3
    csv = differences_csv(records).splitlines()
    assert sum(",frontier," in line for line in csv) == 1
    # frontier=() turns it off: no section, no rows, every record in the tables
    off = {**CONFIG, "frontier": []}
    assert "random frontier" not in summary_markdown(records, config=off)
    assert ",frontier," not in differences_csv(records, config=off)
    assert len(grid_records(records, off)) == len(records)


def test_cells_dedup_and_switching_off():
    config = study_config("digits", methods=["easycore", "random"], fractions=[0.3, 0.5],
                          frontier=[0.1, 0.3], seeds=2)
    cells = study_cells(config)
    keys = [c.key for c in cells]
    assert len(keys) == len(set(keys))  # random 30% is in both: one cell
    randoms = sorted({c.fraction for c in cells if c.method == "random"})
    assert randoms == [0.1, 0.3, 0.5]
    assert len(cells) == 2 * (1 + 3 * 2 + 1)  # full, 3 methods x 2 fractions, random 10%
    off = study_config("digits", methods=["easycore", "random"], fractions=[0.3, 0.5],
                       frontier=(), seeds=2)
    assert off.frontier == () and len(study_cells(off)) == 2 * (1 + 3 * 2)
    assert StudyConfig.from_dict({k: v for k, v in off.to_dict().items()
                                  if k != "frontier"}).frontier == ()


@pytest.mark.parametrize("bad", [[0.0], [1.0], [1.5], [float("nan")], ["a"], [True]])
def test_bad_frontier_values_are_named(bad):
    with pytest.raises(ValueError, match="frontier must be fractions in \\(0, 1\\)"):
        study_config("digits", frontier=bad)


def test_command_line(capsys):
    parse = lambda *a: _parser().parse_args(["study", "--out", "x", *a])  # noqa: E731
    assert parse().frontier is None  # the default grid, less what the data cannot take
    assert parse("--frontier", "none").frontier == []
    assert parse("--frontier", "0.2,0.1").frontier == [0.2, 0.1]
    with pytest.raises(SystemExit):
        parse("--frontier", "0.1,x")
    assert "expected comma-separated numbers" in capsys.readouterr().err


def test_a_study_trains_each_random_coreset_once_and_draws_the_frontier(tmp_path):
    settings = dict(methods=["easycore", "random"], fractions=[0.3], frontier=[0.1, 0.3],
                    attacks=["fgsm"], eps=[0.1], seeds=1, epochs=1, proxy_epochs=1)
    plan = run_study(tmp_path / "s", "digits", dry_run=True, verbose=0, **settings)
    result = run_study(tmp_path / "s", "digits", verbose=0, **settings)
    assert sorted(plan.pending) == sorted(r.key for r in result.records)
    trained = sorted((r.method, r.fraction) for r in result.records if r.same_coreset_as is None)
    assert trained == [("easycore", 0.3), ("full", 1.0), ("random", 0.1), ("random", 0.3)]
    assert len(plan.pending) - plan.n_copies == 4
    assert (tmp_path / "s" / "frontier_standard_fgsm.png").stat().st_size > 0
    text = (tmp_path / "s" / "summary.md").read_text()
    assert "## Difference from the random frontier" in text
    assert "![frontier_standard_fgsm](frontier_standard_fgsm.png)" in text
    # without a frontier in the configuration, no frontier figure
    records = [{**r.to_dict(), "config": {}} for r in result.records]
    (tmp_path / "figs").mkdir()
    names = [p.name for p in save_study_figures(tmp_path / "figs", records)]
    assert names == ["summary.png", "robustness_standard_fgsm.png"]


def test_the_default_grid_leaves_out_fractions_too_small_for_the_data():
    X = np.random.RandomState(0).normal(size=(230, 3)).astype(np.float32)
    y = np.array([0] * 30 + [1] * 200)
    data = (X, y, X[:20], y[:20])
    assert study_config(data).frontier == (0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7)
    with pytest.raises(ValueError, match="frontier fraction 0.01 keeps no row of a class of "
                       "30 rows; use fractions >= 0.0167"):
        study_config(data, frontier=[0.01, 0.1])
    assert study_config(data, frontier=None).frontier == ()


def test_the_section_names_the_seeds_outside_the_frontier():
    records = [r for s in range(3) for r in frontier(s)]
    records += [rec("easycore", 0.5, 0, 0.85, 0.7), rec("easycore", 0.5, 1, 0.99, 0.5),
                rec("easycore", 0.5, 2, 0.92, 0.6)]
    row, = frontier_differences(records)
    assert (row["n_pairs"], row["n_below"], row["n_above"]) == (1, 1, 1)
    text = summary_markdown(records, config=CONFIG)
    assert "| standard | easycore | 0.5 | 1 of 3 |" in text
    assert ("easycore 0.5 (standard): 1 below the lowest clean accuracy of their random models, "
            "1 above the highest") in text


def test_a_seed_without_a_whole_frontier_is_counted_not_used():
    # seed 3 has no random 10% model (a run without the frontier added the seed): with the
    # study's frontier given it has no frontier; without, random 50% and full would be one
    records = [r for s in range(3) for r in frontier(s)]
    records += [r for r in frontier(3) if r["fraction"] != 0.1]
    records += [rec("easycore", 0.5, s, 0.945, 0.60) for s in range(4)]
    row, = frontier_differences(records, fractions=[0.1, 0.5])
    assert (row["n_pairs"], row["n_incomplete"], row["n_above"], row["n_below"]) == (3, 1, 0, 0)
    loose, = frontier_differences(records)
    assert loose["n_pairs"] == 4
    text = "\n".join(summary_markdown(records, config=CONFIG).splitlines())
    assert "Seeds without a whole frontier" in text and "easycore 0.5 (standard): 1" in text


def test_a_study_without_random_among_its_methods_gets_its_frontier(tmp_path):
    settings = dict(methods=["easycore"], fractions=[0.3], frontier=[0.1], attacks=["fgsm"],
                    eps=[0.1], seeds=1, epochs=1, proxy_epochs=1, verbose=0)
    result = run_study(tmp_path, "digits", **settings)
    assert ("random", 0.1) in {(r.method, r.fraction) for r in result.records}
    assert "frontier" in (tmp_path / "differences.csv").read_text()


def test_the_points_table_lists_only_the_frontiers_points():
    config = {**CONFIG, "frontier": [0.1]}  # random at 50% is a study cell, not a point
    records = [{**r, "config": config} for s in range(3) for r in frontier(s)]
    records += [{**rec("easycore", 0.5, s, 0.91, 0.62), "config": config} for s in range(3)]
    text = summary_markdown(records, config=config)
    points = text[text.index("The frontier's points"):]
    assert "| standard | random | 0.1 |" in points and "| standard | full | 1 |" in points
    assert "| standard | random | 0.5 |" not in points
