"""The study folder (atomic cells, refused configurations) and the summary statistics."""

import json
import math
import os

import numpy as np
import pytest
from scipy import stats

from sk_easycore.results import (
    CellRecord, Metric, StudyResult, StudyStore, atomic_write_text, config_differences,
    identical_coresets, paired_differences, summarize, summary_csv, summary_markdown,
)


def record(method, seed, clean, pgd=None, fraction=0.3, regime="standard"):
    metrics = {"clean": clean}
    if pgd is not None:
        metrics["pgd@0.1"] = pgd
    return {"method": method, "seed": seed, "fraction": fraction, "regime": regime,
            "metrics": metrics}


def test_atomic_write_leaves_the_old_file_when_interrupted(tmp_path, monkeypatch):
    path = tmp_path / "cell.json"
    atomic_write_text(path, "old")

    def crash(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_text(path, "new")
    assert path.read_text() == "old"
    assert list(tmp_path.iterdir()) == [path]  # the temporary file was removed


def test_store_refuses_a_different_configuration(tmp_path):
    store = StudyStore(tmp_path / "study")
    config = {"data": "digits", "seeds": [0, 1], "recipe": {"eps": (0.1,), "lr": 0.1}}
    store.open(config)
    store.open({**config, "recipe": {"eps": [0.1], "lr": 0.1}})  # the same after JSON
    with pytest.raises(ValueError, match=r"different study") as error:
        StudyStore(tmp_path / "study").open({**config, "seeds": [0, 1, 2],
                                             "recipe": {"eps": [0.1], "lr": 0.01}})
    # only the differing settings that identify the study are named, with their dotted path
    lines = [line.strip() for line in str(error.value).splitlines() if "!=" in line]
    assert lines == ["recipe.lr: 0.1 (folder) != 0.01 (now)"]


def test_store_grows_to_the_union_of_its_runs_grids(tmp_path):
    config = {"data": "digits", "seeds": [0, 1], "attacks": ["pgd"],
              "recipe": {"eps": [0.1], "lr": 0.1}}
    store = StudyStore(tmp_path)
    store.open(config)
    store.save_cell(record("random", 0, 0.9))
    store.close()
    grown = StudyStore(tmp_path)
    grown.open({**config, "seeds": [2, 0], "attacks": ["fgsm"],
                "recipe": {"eps": [0.2], "lr": 0.1}}, order={"attacks": ["fgsm", "pgd"].index})
    expected = {**config, "seeds": [0, 1, 2], "attacks": ["fgsm", "pgd"],
                "recipe": {"eps": [0.1, 0.2], "lr": 0.1}}
    assert grown.load_config() == grown.config == expected
    assert [r.key for r in grown.load_cells()] == ["random__f0.3__standard__s0"]  # still valid
    grown.close()


def test_stale_temporary_files_are_removed_only_by_the_run_holding_their_cell(tmp_path):
    key = "x__f0.3__standard__s0"
    first, second = StudyStore(tmp_path), StudyStore(tmp_path)
    first.open({"a": 1})
    assert first.claim(key)
    in_flight = first.cells / f".{key}.json.123.tmp"
    in_flight.write_text("{half")
    second.open({"a": 1})  # a second run of the same study, while the first writes the cell
    assert not second.claim(key) and in_flight.exists()
    first.close()  # the first run is killed: its cell is free again
    assert second.claim(key) and not in_flight.exists()
    second.save_cell(record("x", 0, 1.0))
    second.close()
    assert sorted(p.name for p in first.cells.iterdir()) == [f"{key}.json"]
    assert second.finished_keys() == {key}
    cell = json.loads((first.cells / f"{key}.json").read_text())
    assert cell["metrics"]["clean"] == 1.0 and cell["config"] == {"a": 1}
    assert second.load_cells() == [CellRecord.from_dict(cell)]


def test_missing_study_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="is not a study folder"):
        StudyStore(tmp_path).load_config()


def test_summary_means_and_spreads():
    records = [record("random", s, v) for s, v in enumerate([0.80, 0.84, 0.86])]
    (row,) = summarize(records)
    assert row["n_seeds"] == 3
    assert row["mean"] == pytest.approx(np.mean([0.80, 0.84, 0.86]))
    assert row["std"] == pytest.approx(np.std([0.80, 0.84, 0.86], ddof=1))
    assert math.isnan(summarize(records[:1])[0]["std"])


def test_paired_differences_against_scipy():
    easy = [0.50, 0.55, 0.52, 0.58]
    rand = [0.45, 0.47, 0.49, 0.50]
    records = ([record("easycore", s, 0.9, pgd=v) for s, v in enumerate(easy)]
               + [record("random", s, 0.9, pgd=v) for s, v in enumerate(rand)])
    rows = {r["metric"]: r for r in paired_differences(records, "random")}
    diffs = np.subtract(easy, rand)
    low, high = stats.t.interval(0.95, len(diffs) - 1, loc=diffs.mean(),
                                 scale=stats.sem(diffs))
    pgd = rows["pgd@0.1"]
    assert pgd["mean_diff"] == pytest.approx(diffs.mean())
    assert (pgd["ci_low"], pgd["ci_high"]) == pytest.approx((low, high))
    assert pgd["verdict"] == "better"  # four pairs, interval above 0
    assert rows["clean"]["verdict"] == "within noise"  # identical clean accuracies


def test_differences_pair_only_common_seeds_and_flag_single_pairs():
    records = [record("easycore", 0, 0.9), record("easycore", 1, 0.8), record("random", 1, 0.7)]
    (row,) = paired_differences(records, "random")
    assert row["n_pairs"] == 1 and row["mean_diff"] == pytest.approx(0.1)
    assert math.isnan(row["ci_low"]) and row["verdict"] == "n/a (< 3 seeds)"


def test_markdown_and_csv_hold_every_group():
    records = [record(m, s, 0.8 + 0.01 * s, pgd=0.3 + 0.02 * s, fraction=f)
               for m in ("easycore", "random") for s in range(3) for f in (0.1, 0.3)]
    text = summary_markdown(records)
    assert "| standard | easycore | 0.1 | 81.0 +- 1.0 (3) | 32.0 +- 2.0 (3) |" in text
    assert "Paired difference from random" in text and "Paired difference from easycore" in text
    assert len(summary_csv(records).splitlines()) == 1 + 2 * 2 * 2


def test_two_agreeing_seeds_are_not_a_verdict():
    records = [record(m, s, v) for m, vals in [("easycore", [0.9, 0.8]), ("random", [0.8, 0.7])]
               for s, v in enumerate(vals)]
    (row,) = paired_differences(records, "random")
    assert row["mean_diff"] == pytest.approx(0.1) and math.isnan(row["ci_low"])
    assert row["verdict"] == "n/a (< 3 seeds)" and row["n_comparisons"] == 0
    section = summary_markdown(records).split("Paired difference from random")[1]
    rows = [line for line in section.split("\n## ")[0].splitlines()
            if line.startswith("| standard")]
    assert rows == ["| standard | easycore | 0.3 | 2 | +10.0 [n/a (< 3 seeds)] |"]


def test_files_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "a.md", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "a.md").stat().st_mode & 0o777 == 0o644


def test_metric_is_the_one_place_that_writes_and_reads_metric_text():
    assert Metric.parse("pgd@0.1") == Metric("pgd", 0.1) == "pgd@0.1"
    assert Metric("fgsm", 2 / 255).key == "fgsm@0.007843"
    assert Metric.parse(Metric("fgsm", 2 / 255).key).eps == pytest.approx(2 / 255, rel=1e-4)
    with pytest.raises(ValueError, match="clean metric has eps 0"):
        Metric("clean", 0.1)


def test_identical_coresets_are_named_once_and_left_out_of_differences():
    records = [record(m, s, 0.8 + 0.01 * s) for m in ("easycore", "random") for s in range(3)]
    records += [{**record("matched_random", s, 0.8 + 0.01 * s),
                 "same_coreset_as": f"random__f0.3__standard__s{s}"} for s in range(3)]
    assert identical_coresets(records) == {"matched_random": "random"}
    text = summary_markdown(records)
    assert "| standard | matched_random (= random) | 0.3 |" in text
    assert "Identical coresets, trained once" in text
    assert "| standard | matched_random | 0.3 |" not in text.split("Paired difference")[1]


def test_study_result_to_frame_has_one_row_per_cell_and_metric():
    result = StudyResult("x", [record("random", 0, 0.9, pgd=0.4), record("easycore", 0, 0.8)])
    frame = result.to_frame()
    assert len(frame) == 3 and set(frame["attack"]) == {"clean", "pgd"}
    assert frame.loc[frame["attack"] == "pgd", "eps"].tolist() == [0.1]


def test_config_differences_flatten_nested_settings():
    assert config_differences({"a": {"b": 1}}, {"a": {"b": 1}}) == []
    assert config_differences({"a": {"b": 1}}, {"a": {}}) == ["a.b: 1 (folder) != None (now)"]
