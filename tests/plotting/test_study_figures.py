import json

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_rgba

from sk_easycore.experiments import write_report
from sk_easycore.results import StudyStore, summarize
from sk_easycore.plotting import plot_study_summary, save_study_figures
from sk_easycore.plotting._common import method_colors
from tests.plotting.study_records import study_records


def test_grid_of_regimes_by_metrics_with_bars_per_method_and_fraction():
    records = study_records(methods=("random", "easycore", "el2n"), regimes=("trades",
                                                                            "standard"))
    grid = plot_study_summary(records)
    assert grid.shape == (2, 3)  # regimes x (clean, pgd@0.1, pgd@0.2)
    assert [ax.get_title() for ax in grid[:, 0]] == ["standard: clean", "trades: clean"]
    assert [ax.get_title() for ax in grid[0]] == [
        "standard: clean", "standard: PGD eps=0.1", "standard: PGD eps=0.2"]
    rows = {(r["regime"], r["method"], r["fraction"], r["metric"]): r
            for r in summarize(records)}
    methods = ["easycore", "random", "el2n"]
    ax = grid[1, 1]
    assert len(ax.patches) == 6  # 3 methods x 2 fractions
    for k, method in enumerate(methods):
        bars = ax.patches[2 * k: 2 * k + 2]
        expected = [rows[("trades", method, f, "pgd@0.1")] for f in (0.1, 0.3)]
        np.testing.assert_allclose([b.get_height() for b in bars], [r["mean"] for r in expected])
        assert all(b.get_facecolor() == to_rgba(method_colors([method])[method]) for b in bars)
    errorbars = [c for c in ax.containers if hasattr(c, "has_yerr")]
    assert len(errorbars) == 3
    segments = errorbars[0].lines[2][0].get_segments()
    np.testing.assert_allclose([s[1, 1] - s[0, 1] for s in segments],
                               [2 * rows[("trades", "easycore", f, "pgd@0.1")]["std"]
                                for f in (0.1, 0.3)])
    full = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(full) == 1
    np.testing.assert_allclose(full[0].get_ydata()[0],
                               rows[("trades", "full", 1.0, "pgd@0.1")]["mean"])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.1", "0.3"]
    legend = grid[0, 0].figure.legends[0]
    assert [t.get_text() for t in legend.get_texts()] == [*methods, "full data"]


def test_metrics_wrap_and_can_be_chosen():
    records = study_records(eps=(0.05, 0.1, 0.2), attacks=("fgsm", "pgd"))
    grid = plot_study_summary(records, max_cols=3)
    fig = grid[0, 0].figure
    assert grid.shape == (1, 7)
    assert sum(ax.get_visible() for ax in fig.axes) == 7 and len(fig.axes) == 9
    grid = plot_study_summary(records, metrics=["pgd@0.1"], methods=["random"])
    assert grid.shape == (1, 1) and len(grid[0, 0].patches) == 2


def test_given_axes_without_constrained_layout_get_an_axis_legend():
    fig, axes = plt.subplots(1, 3)
    grid = plot_study_summary(study_records(), axes=axes)
    assert list(grid[0]) == list(axes)
    assert not fig.legends and axes[0].get_legend() is not None


def test_figures_written_atomically_beside_the_summary(tmp_path, monkeypatch):
    store = StudyStore(tmp_path)
    store.open({"data": "toy"})  # the records' own configuration
    for i, record in enumerate(study_records(regimes=("standard", "pgd"),
                                             attacks=("fgsm", "pgd"))):
        store.save_cell(record)
    result = write_report(tmp_path)
    names = ["summary.png", "robustness_standard_fgsm.png", "robustness_standard_pgd.png",
             "robustness_pgd_fgsm.png", "robustness_pgd_pgd.png"]
    text = (tmp_path / "summary.md").read_text()
    assert text.startswith(result.markdown())
    for name in names:
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert f"![{name[:-4]}]({name})" in text
    assert not list(tmp_path.glob(".*.tmp"))

    # a failure while drawing leaves the previous image and no temporary file
    before = (tmp_path / "summary.png").read_bytes()
    from matplotlib.figure import Figure

    def broken(self, *args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Figure, "savefig", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        save_study_figures(tmp_path)
    assert (tmp_path / "summary.png").read_bytes() == before
    assert not list(tmp_path.glob(".*.tmp"))
    assert json.loads((tmp_path / "study.json").read_text()) == {"data": "toy"}


def test_no_records_no_figures(tmp_path):
    StudyStore(tmp_path).open({"dataset": "toy"})
    assert save_study_figures(tmp_path) == []
    assert not (tmp_path / "summary.md").exists() and not write_report(tmp_path).records


def test_one_figure_legend_clear_of_the_title_with_many_methods(tmp_path, monkeypatch):
    import sk_easycore.plotting._study as study_module

    methods = ("easycore", "random", "matched_random", "hardcore", "grand", "el2n",
               "forgetting", "moderate", "cal", "graphcut", "glister", "kcenter")
    figures = []
    save = study_module._save
    monkeypatch.setattr(study_module, "_save",
                        lambda fig, path, dpi: figures.append(fig) or save(fig, path, dpi))
    save_study_figures(tmp_path, study_records(methods=methods))
    assert len(figures) == 2  # summary, robustness_standard_pgd
    for fig in figures:
        fig.draw_without_rendering()
        assert len(fig.legends) == 1
        assert all(ax.get_legend() is None for ax in fig.axes)
        labels = [t.get_text() for t in fig.legends[0].get_texts()]
        assert set(methods) <= set(labels) and "full data" in labels
        legend = fig.legends[0].get_window_extent()
        assert not legend.overlaps(fig._suptitle.get_window_extent())
        assert not any(legend.overlaps(ax.get_window_extent()) for ax in fig.axes
                       if ax.get_visible())
