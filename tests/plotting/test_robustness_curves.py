import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba

from sk_easycore.results import StudyStore, summarize
from sk_easycore.plotting import plot_accuracy_vs_eps
from sk_easycore.plotting._common import method_colors
from sk_easycore.robustness import RobustnessReport
from tests.plotting.study_records import study_records


def report(name, clean, shift):
    return RobustnessReport(name, clean, {"fgsm": {0.1: clean - shift, 0.2: clean - 2 * shift},
                                          "pgd": {0.1: clean - 2 * shift, 0.2: 0.0}},
                            norm="inf", n_samples=50)


def legend_texts(ax):
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_reports_one_curve_each_from_the_clean_point():
    reports = [report("EasyCore", 0.9, 0.1), report("random", 0.8, 0.2), report("full", 1.0, .1)]
    ax = plot_accuracy_vs_eps(reports, "pgd", ax=plt.figure().gca())
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["EasyCore (pgd)", "random (pgd)",
                                                     "full (pgd)"]
    assert legend_texts(ax) == ["EasyCore (pgd)", "random (pgd)", "full (pgd)"]
    for line, r in zip(lines, reports):
        np.testing.assert_allclose(line.get_xdata(), [0, 0.1, 0.2])
        np.testing.assert_allclose(line.get_ydata(), [r.clean_accuracy,
                                                      *r.accuracies["pgd"].values()])
    assert len({line.get_color() for line in lines}) == 3
    assert "PGD" in ax.get_title() and "eps" in ax.get_xlabel()


def test_reports_every_attack_shares_the_models_colour():
    ax = plot_accuracy_vs_eps([report("a", 0.9, 0.1), report("b", 0.8, 0.1)], None,
                              ax=plt.figure().gca())
    lines = ax.get_lines()
    assert len(lines) == 4
    assert lines[0].get_color() == lines[1].get_color() != lines[2].get_color()
    assert lines[0].get_linestyle() != lines[1].get_linestyle()


def test_reports_missing_attack_is_named():
    with pytest.raises(ValueError, match="no 'autoattack' results"):
        plot_accuracy_vs_eps([report("a", 0.9, 0.1)], "autoattack", ax=plt.figure().gca())


def test_study_mean_and_std_over_seeds_per_method():
    records = study_records(methods=("random", "easycore", "el2n"))
    ax = plot_accuracy_vs_eps(records, "pgd", fraction=0.3, ax=plt.figure().gca())
    # methods in the library's order, the full-data reference last
    assert legend_texts(ax) == ["easycore", "random", "el2n", "full data"]
    rows = {(r["method"], r["fraction"], r["metric"]): r for r in summarize(records)}
    for container, method in zip(ax.containers, ["easycore", "random", "el2n"]):
        line, _, (bars,) = container.lines
        np.testing.assert_allclose(line.get_xdata(), [0, 0.1, 0.2])
        expected = [rows[(method, 0.3, m)] for m in ("clean", "pgd@0.1", "pgd@0.2")]
        np.testing.assert_allclose(line.get_ydata(), [r["mean"] for r in expected])
        half = [(seg[1, 1] - seg[0, 1]) / 2 for seg in bars.get_segments()]
        np.testing.assert_allclose(half, [r["std"] for r in expected], rtol=1e-6)
        assert to_rgba(line.get_color()) == to_rgba(method_colors([method])[method])
    full = ax.containers[-1].lines[0]
    assert full.get_linestyle() == "--"
    np.testing.assert_allclose(full.get_ydata()[0], rows[("full", 1.0, "clean")]["mean"])
    assert "coreset 0.3" in ax.get_title() and "3 seeds" in ax.get_ylabel()


def test_study_defaults_smallest_fraction_and_selects_methods_and_regime():
    records = study_records(regimes=("pgd", "standard"))
    ax = plot_accuracy_vs_eps(records, "pgd", methods=["random"], ax=plt.figure().gca())
    assert "coreset 0.1" in ax.get_title() and "standard training" in ax.get_title()
    assert legend_texts(ax) == ["random", "full data"]
    ax = plot_accuracy_vs_eps(records, "pgd", regime="pgd", ax=plt.figure().gca())
    assert "pgd training" in ax.get_title()
    with pytest.raises(ValueError, match="no fraction 0.5"):
        plot_accuracy_vs_eps(records, "pgd", fraction=0.5, ax=plt.figure().gca())
    with pytest.raises(ValueError, match="no 'fgsm' results"):
        plot_accuracy_vs_eps(records, "fgsm", ax=plt.figure().gca())


def test_study_from_its_folder(tmp_path):
    store = StudyStore(tmp_path)
    store.open({"data": "toy"})  # the records' own configuration
    for i, record in enumerate(study_records(seeds=(0,))):
        store.save_cell(record)
    ax = plot_accuracy_vs_eps(tmp_path, "pgd", ax=plt.figure().gca())
    assert len(ax.containers) == 3
    with pytest.raises(FileNotFoundError, match="not a study folder"):
        plot_accuracy_vs_eps(tmp_path / "nope", "pgd", ax=plt.figure().gca())


def test_matched_control_stays_visible_over_an_identical_random_curve():
    records = study_records(methods=("easycore", "random"))
    records += [dict(r, method="matched_random") for r in records if r["method"] == "random"]
    ax = plot_accuracy_vs_eps(records, "pgd", fraction=0.3)
    lines = {c.get_label(): c.lines[0] for c in ax.containers}  # errorbar: (data line, caps, bars)
    np.testing.assert_array_equal(lines["matched_random"].get_ydata(), lines["random"].get_ydata())
    assert lines["random"].get_linestyle() == "-" and lines["matched_random"].get_linestyle() == ":"
    assert lines["matched_random"].get_markerfacecolor() == "none"
    plt.close("all")
