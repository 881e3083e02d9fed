"""robustness_report and RobustnessReport: numbers, table, records, frame, shared plots."""

import sys

import matplotlib.pyplot as plt
import numpy as np
import pytest

from sk_easycore.robustness import RobustnessReport, adversarial_accuracy, robustness_report
from tests.conftest import make_cnn


@pytest.fixture(scope="module")
def report(trained_net, digits_split):
    _, _, X, y = digits_split
    return robustness_report(trained_net, X, y, eps=(0.05, 0.1), name="standard")


def test_numbers_match_adversarial_accuracy(report, trained_net, digits_split):
    _, _, X, y = digits_split
    assert report.clean_accuracy == pytest.approx(np.mean(trained_net.predict(X) == y))
    for attack in ("fgsm", "pgd"):
        for eps in (0.05, 0.1):
            expected = adversarial_accuracy(trained_net, X, y, attack, eps)
            assert report.accuracy(attack, eps) == pytest.approx(expected)
    assert report.accuracy("pgd", 0) == report.clean_accuracy
    assert report.n_samples == len(X) and report.norm == "inf"


def test_table_and_records(report):
    text = str(report)
    assert text.splitlines()[0] == "standard: 200 samples, L-inf attacks"
    assert "eps=0.05" in text and "eps=0.1" in text
    assert text.splitlines()[3].startswith("fgsm") and text.splitlines()[4].startswith("pgd")
    records = report.to_records()
    assert [(r["attack"], r["eps"]) for r in records] == [
        ("clean", 0.0), ("fgsm", 0.05), ("fgsm", 0.1), ("pgd", 0.05), ("pgd", 0.1)]
    assert all(r["model"] == "standard" and 0 <= r["accuracy"] <= 1 for r in records)


def test_frame(report):
    pytest.importorskip("pandas")
    frame = report.to_frame()
    assert list(frame.columns) == ["model", "attack", "norm", "eps", "accuracy", "n_samples"]
    assert len(frame) == 5


def test_frame_without_pandas_says_so(report, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="needs pandas.*to_records"):
        report.to_frame()


def test_several_reports_share_one_axis(report, digits_split, monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plot must not call show"))
    other = RobustnessReport("random 30%", 0.9, {"fgsm": {0.05: 0.6, 0.1: 0.3},
                                                  "pgd": {0.05: 0.5, 0.1: 0.2}},
                             norm="inf", n_samples=200)
    fig, ax = plt.subplots()
    assert report.plot(ax=ax) is ax
    assert other.plot(ax=ax, label="random") is ax
    lines = ax.get_lines()
    labels = [line.get_label() for line in lines]
    assert labels == ["standard (fgsm)", "standard (pgd)", "random (fgsm)", "random (pgd)"]
    assert lines[0].get_color() == lines[1].get_color() != lines[2].get_color()
    x, y = lines[1].get_data()
    assert list(x) == [0.0, 0.05, 0.1] and y[0] == report.clean_accuracy
    assert [t.get_text() for t in ax.get_legend().get_texts()] == labels
    plt.close(fig)


def test_default_name_and_single_values(digits_small):
    X, y = digits_small
    net = make_cnn(max_epochs=1).fit(X, y)
    report = robustness_report(net, X[:40], y[:40], attacks="pgd", eps=0.1)
    assert report.name == "NeuralNetClassifier" and list(report.accuracies) == ["pgd"]
    with pytest.raises(ValueError, match="attack must be one of"):
        robustness_report(net, X[:40], y[:40], attacks=("pgd", "boundary"))
    with pytest.raises(ValueError, match="eps must be"):
        robustness_report(net, X[:40], y[:40], eps=(0.1, -0.1))
