"""The study folder (atomic cells, refused configurations) and the summary statistics."""

import json
import math
import os

import numpy as np
import pytest
from scipy import stats

from sk_easycore.experiments._store import StudyStore, atomic_write_text
from sk_easycore.experiments._summary import (
    paired_differences, summarize, summary_csv, summary_markdown,
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
    store.open({"dataset": "digits", "seeds": [0, 1], "eps": (0.1,)})
    store.open({"dataset": "digits", "seeds": [0, 1], "eps": [0.1]})  # same after JSON
    with pytest.raises(ValueError, match=r"different study configuration(.|\n)*seeds: \[0, 1\]"):
        StudyStore(tmp_path / "study").open({"dataset": "digits", "seeds": [0, 1, 2],
                                             "eps": [0.1]})


def test_store_ignores_and_removes_stale_temporary_files(tmp_path):
    store = StudyStore(tmp_path)
    store.open({"a": 1})
    (store.cells / ".x.json.123.tmp").write_text("{half")
    store.save_cell("x", {"metrics": {"clean": 1.0}})
    StudyStore(tmp_path).open({"a": 1})
    assert sorted(p.name for p in store.cells.iterdir()) == ["x.json"]
    assert store.finished_keys() == {"x"}
    assert json.loads((store.cells / "x.json").read_text())["metrics"]["clean"] == 1.0


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
    assert math.isnan(row["ci_low"]) and row["verdict"] == "within noise"


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
    assert row["ci_low"] == pytest.approx(0.1) and row["verdict"] == "within noise"
    section = summary_markdown(records).split("Paired difference from random")[1]
    rows = [line for line in section.splitlines() if line.startswith("| standard")]
    assert rows and not any("*" in line for line in rows)
