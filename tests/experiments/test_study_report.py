"""What summary.md says: Holm's correction, n/a below three seeds, what was run; titles; guard rails."""

import dataclasses
import logging
import warnings

import numpy as np
import pytest
from scipy import stats

from sk_easycore.experiments import (ColumnScaleWarning, NearChanceWarning, Recipe,
                                     StudyWarning, run_study, study_config, write_report)
from sk_easycore.experiments._guards import check_column_scales, check_full_model
from sk_easycore.experiments._study import _show_progress, make_proxy
from sk_easycore.results import (CellRecord, StudyStore, data_label, differences_csv, holm,
                                 paired_differences, paired_t, run_description,
                                 summary_markdown)

IMAGES = {"data": "npz:/home/someone/projects/data/cifar_small.npz", "data_hash": "3f2a9c0e77d1",
          "net": "recipe", "methods": ["easycore", "random", "matched_random"],
          "fractions": [0.3], "regimes": ["standard", "trades"], "attacks": ["pgd"],
          "seeds": [0, 1, 2], "budget": "steps", "scoring_runs": 1, "class_balanced": False,
          "recipe": {"model": "small_cnn", "optimizer": "adam", "lr": 1e-3, "batch_size": 64,
                     "epochs": 30, "proxy_epochs": 20, "eps": [2 / 255, 8 / 255],
                     "train_eps": 8 / 255, "train_eps_step": 2 / 255, "train_max_iter": 10,
                     "eval_max_iter": 20, "clip_values": [0.0, 1.0], "standardize": False,
                     "trades_inner": "kl"}}


def cells(values, method, *, metric="clean", fraction=0.3, config=None, **fields):
    """One record per seed, ``values[seed]`` being the accuracy."""
    return [{"method": method, "fraction": fraction, "regime": "standard", "seed": seed,
             "metrics": {metric: v}, "config": config or {}, **fields}
            for seed, v in enumerate(values)]


def test_holm_against_a_hand_computation():
    # sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1: 0.02, 0.03, 0.06, 0.04 -> running max
    adjusted = holm([0.01, 0.04, 0.03, 0.005])
    np.testing.assert_allclose(adjusted, [0.03, 0.06, 0.06, 0.02])
    # capped at 1; NaN is no comparison and does not count in the family
    np.testing.assert_allclose(holm([0.6, np.nan, 0.2]), [0.6, np.nan, 0.4])
    assert holm([0.9, 0.8]).max() == 1.0


def test_paired_p_value_is_scipys_paired_t_test_and_matches_the_interval():
    a, b = np.array([0.52, 0.55, 0.50, 0.58]), np.array([0.45, 0.47, 0.49, 0.50])
    mean, low, high, p = paired_t(a - b)
    assert p == pytest.approx(stats.ttest_rel(a, b).pvalue)
    assert (low, high) == pytest.approx(stats.t.interval(0.95, 3, loc=mean,
                                                         scale=stats.sem(a - b)))
    # the 95% interval excludes 0 exactly when p < 0.05
    for diffs in ([0.01, 0.03, 0.02], [0.01, -0.02, 0.04], [0.05, 0.051, 0.049]):
        _, low, high, p = paired_t(diffs)
        assert (low > 0 or high < 0) == (p < 0.05)


def section(text, title):
    """The table rows of one section of summary.md."""
    part = text.split(f"## {title}")[1].split("\n## ")[0]
    return [line for line in part.splitlines() if line.startswith("| standard")]


def _spread(mean, t, n=3):
    """Three differences around ``mean`` whose one-sample t statistic is ``t``."""
    d = mean * np.sqrt(n) / t
    return [mean - d, mean, mean + d]


def test_star_means_beyond_noise_after_holm_and_the_family_is_counted():
    # three comparisons: p ~ 0.001 (kept), p ~ 0.03 and ~ 0.04 (interval excludes 0, but
    # Holm multiplies them by 2 and 1 after the running maximum: 0.06, not beyond noise)
    diffs = {0.1: _spread(0.10, 30.0), 0.3: _spread(0.05, 5.6), 0.5: _spread(0.04, 4.8)}
    p_raw = {f: paired_t(d)[3] for f, d in diffs.items()}
    assert p_raw[0.1] < 0.01 and 0.025 < p_raw[0.3] < 0.05 and p_raw[0.5] < 0.05
    records = []
    for fraction, d in diffs.items():
        records += cells([0.5] * 3, "random", fraction=fraction)
        records += cells(list(0.5 + np.array(d)), "easycore", fraction=fraction)
    rows = {r["fraction"]: r for r in paired_differences(records, "random")}
    assert {r["n_comparisons"] for r in rows.values()} == {3}
    np.testing.assert_allclose([rows[f]["p_holm"] for f in diffs],
                               holm([p_raw[f] for f in diffs]))
    assert [rows[f]["verdict"] for f in diffs] == ["better", "within noise", "within noise"]
    assert rows[0.3]["ci_low"] > 0  # excludes 0 on its own, no star after the correction
    text = summary_markdown(records)
    assert "Holm's correction for the 3 comparisons of this table" in text
    lines = {line.split(" | ")[2]: line for line in section(text, "Paired difference from random")}
    assert "+10.0* [" in lines["0.1"]
    assert "*" not in lines["0.3"] and "*" not in lines["0.5"]
    assert "p_holm" in differences_csv(records).splitlines()[0]


def test_fewer_than_three_seeds_print_na_and_never_an_interval():
    # two seeds far apart: the old table printed [-152.0, +158.6]
    records = cells([0.5, 0.9], "easycore") + cells([0.6, 0.7], "random")
    (row,) = paired_differences(records, "random")
    assert np.isnan(row["ci_low"]) and np.isnan(row["p_value"])
    assert row["verdict"] == "n/a (< 3 seeds)" and row["n_comparisons"] == 0
    text = summary_markdown(records)
    assert section(text, "Paired difference from random") == [
        "| standard | easycore | 0.3 | 2 | +5.0 [n/a (< 3 seeds)] |"]
    assert "No row has 3 paired seeds" in text


def test_a_difference_that_rounds_to_zero_is_never_minus_zero():
    records = (cells([0.5, 0.6, 0.7], "random")
               + cells([0.4996, 0.5997, 0.6995], "easycore"))  # -0.04 points on average
    text = summary_markdown(records)
    assert "-0.0" not in text
    # beyond noise (the seeds agree), but -0.04 points and an upper bound of -0.015
    assert section(text, "Paired difference from random") == [
        "| standard | easycore | 0.3 | 3 | 0.0* [-0.1, 0.0] |"]


def test_difference_from_the_class_matched_control():
    records = (cells([0.50, 0.52, 0.54], "easycore") + cells([0.40, 0.43, 0.45], "random")
               + cells([0.45, 0.46, 0.50], "matched_random"))
    (row,) = paired_differences(records, "matched_random", methods=["easycore"])
    assert row["mean_diff"] == pytest.approx(np.mean([0.05, 0.06, 0.04]))
    text = summary_markdown(records)
    section = text.split("## Difference from the class-matched control")[1].split("\n## ")[0]
    assert "EasyCore minus `matched_random`" in section
    assert "for the 1 comparison of this table" in section
    rows = [line for line in section.splitlines() if line.startswith("| standard")]
    assert len(rows) == 1 and rows[0].startswith("| standard | easycore | 0.3 | 3 | +5.0")
    csv_rows = [line for line in differences_csv(records).splitlines()
                if ",matched_random," in line and line.startswith("standard,easycore")]
    assert len(csv_rows) == 1


@dataclasses.dataclass(frozen=True)
class _WithEnvironment(CellRecord):
    """A cell as later versions write it, with its machine facts."""

    environment: dict = dataclasses.field(default_factory=dict)


def test_summary_opens_with_what_was_run():
    env = {"torch_threads": 4, "cpu_capability": "AVX2", "device": "cpu",
           "versions": {"torch": "2.14.1"}}
    records = [_WithEnvironment("full", 1.0, "standard", s, {"clean": 0.9}, n_train=500,
                                class_counts={"0": 250, "1": 250}, config=IMAGES,
                                environment={**env, "torch_threads": 1 if s else 4})
               for s in range(3)]
    text = summary_markdown(records, config=IMAGES)
    head = text.split("## Accuracy")[0]
    assert head.startswith("# Study summary\n\n## What was run\n")
    assert "- **Data**: `cifar_small.npz`, content hash `3f2a9c0e77d1`; 500 training rows" in head
    assert "/home/someone" not in text
    assert "the recipe's `small_cnn` (adam, lr 0.001, batch 64)" in head
    assert "budget `steps`" in head and "proxy 20 epochs" in head
    assert "- **Selection**: global" in head
    assert ("standard (no attack in training); trades (training eps 8/255, step 2/255, "
            "10 steps, inner loss kl)") in head
    assert "pgd at L-inf eps 2/255, 8/255 (pixel units of [0, 1])" in head
    assert "- **Seeds**: 0, 1, 2 (3)" in head
    assert "torch threads 1 (2 cells), 4 (1 cells); CPU capability AVX2; device cpu" in head
    assert "- **Versions**: torch 2.14.1" in head
    assert "pgd@8/255" not in head and "| clean |" in text
    # cells of a version that recorded no machine facts: said, not guessed
    old = run_description([dataclasses.replace(CellRecord("random", 0.3, "standard", 0,
                                                          {"clean": 0.9}), config=IMAGES)])
    assert any("not recorded" in line for line in old if line.startswith("- **Machine**"))


def test_data_labels_never_show_a_path_or_a_bare_arrays():
    assert data_label("npz:/abs/path/to/wine.npz") == "wine.npz"
    assert data_label("imagefolder:/data/pets") == "pets (image folder)"
    assert data_label("arrays", "abcdef123456") == "arrays passed from Python (hash abcdef12)"
    assert data_label("datasets") == "torch datasets passed from Python"


def test_figure_titles_name_the_file_and_show_budgets_in_k_over_255(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    from sk_easycore.plotting import _study

    titles, ticks = [], []

    def keep(fig, path, dpi):
        titles.append(fig._suptitle.get_text())
        ticks.append([t.get_text() for ax in fig.axes for t in ax.get_xticklabels()])
        titles.extend(ax.get_title() for ax in fig.axes)
        return path

    monkeypatch.setattr(_study, "_save", keep)
    records = []
    for method, fraction in (("easycore", 0.3), ("random", 0.3), ("full", 1.0)):
        records += [{"method": method, "fraction": fraction, "regime": "standard", "seed": s,
                     "config": IMAGES, "metrics": {"clean": 0.9, "pgd@0.007843": 0.6,
                                                   "pgd@0.03137": 0.3}} for s in range(2)]
    _study.save_study_figures(tmp_path, records)
    assert titles[0].startswith("cifar_small.npz: test accuracy")
    assert not any("/home" in t or t.startswith("npz:") for t in titles)
    assert "standard: PGD eps=8/255" in titles and "standard: PGD eps=2/255" in titles
    assert ticks[1][:3] == ["0", "2/255", "8/255"]  # the robustness curves' budget axis
    # table data keeps its own units
    table = {**IMAGES, "data": "arrays", "recipe": {**IMAGES["recipe"], "clip_values": None}}
    titles.clear()
    _study.save_study_figures(tmp_path, [{**r, "config": table} for r in records])
    assert titles[0].startswith("arrays passed from Python (hash 3f2a9c0e)")
    assert "standard: PGD eps=0.03137" in titles


def test_raw_table_columns_of_very_different_scales_warn(tmp_path, caplog):
    from sklearn.datasets import load_wine

    X, y = load_wine(return_X_y=True)
    raw = Recipe(model="small_mlp", clip_values=None, eps=(0.05,))
    with pytest.warns(ColumnScaleWarning, match=r"differ in scale by a factor of .*eps 0.05"):
        ratio = check_column_scales(X, raw)
    assert ratio > 100 and issubclass(ColumnScaleWarning, StudyWarning)
    with warnings.catch_warnings():
        warnings.simplefilter("error", StudyWarning)
        assert check_column_scales(X, raw.replace(standardize=True)) is None
        assert check_column_scales((X - X.mean(0)) / X.std(0), raw) is None
        assert check_column_scales(np.zeros((4, 1, 8, 8)), raw) is None  # images: not a table
    # the study warns and logs it, before training
    X = X.astype(np.float32)
    data = (X[::2], y[::2], X[1::2], y[1::2])
    caplog.clear()
    with pytest.warns(ColumnScaleWarning), caplog.at_level(logging.WARNING), \
            warnings.catch_warnings():
        warnings.simplefilter("ignore", NearChanceWarning)  # one epoch: it may well be
        run_study(tmp_path, data, verbose=0, methods=["random"], fractions=[0.5],
                  attacks=["fgsm"], seeds=1, epochs=1, standardize=False, frontier=())
    assert "differ in scale" in (tmp_path / "study.log").read_text()
    # shown once, as the warning: the log line stays in study.log
    assert not any("differ in scale" in r.getMessage() for r in caplog.records)


def test_a_full_data_model_near_chance_warns_in_the_report(tmp_path):
    store = StudyStore(tmp_path)
    store.open({"data": "wine"})
    counts = {"0": 30, "1": 36, "2": 23}  # majority rate 36 / 89 = 40.4%
    for seed, clean in enumerate([0.42, 0.44, 0.40]):
        store.save_cell({"method": "full", "fraction": 1.0, "regime": "standard", "seed": seed,
                         "metrics": {"clean": clean}, "class_counts": counts})
    with pytest.warns(NearChanceWarning, match=r"42.0% clean accuracy.*40.4%"):
        write_report(tmp_path)
    assert "> **Warning**: the full-data model of `standard` training reaches 42.0%" in (
        tmp_path / "summary.md").read_text()
    log = (tmp_path / "study.log").read_text()
    assert log.count("within 5 points of the majority-class rate") == 1 and "WARNING" in log
    # a model well above the majority rate is quiet
    with warnings.catch_warnings():
        warnings.simplefilter("error", StudyWarning)
        assert check_full_model([{"method": "full", "fraction": 1.0, "regime": "standard",
                                  "seed": 0, "metrics": {"clean": 0.6},
                                  "class_counts": counts}]) == []


def test_the_proxy_shows_its_epochs_only_when_verbose():
    from sk_easycore.experiments._data import resolve_data

    data = resolve_data("digits").load()
    for runs, name in ((1, "verbose"), (2, "proxy__verbose")):
        proxy = make_proxy(study_config("digits", scoring_runs=runs), None, data)
        _show_progress(proxy, 1)
        assert proxy.get_params()[name] == 1
        _show_progress(proxy, 0)
        assert proxy.get_params()[name] == 0
