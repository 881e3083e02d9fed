"""A study grows: more seeds, methods, fractions, attacks or eps compute only what is new.

Issue 18: a finished 2-seed study asked for 3 seeds was refused. Now a folder whose data,
network and recipe are unchanged takes the run, trains only the new cells, measures new
attacks and budgets on the kept weights, and gives what a fresh run gives, bit for bit.
"""

import contextlib
import io
import json

import pytest

from sk_easycore.experiments import _dispatch, _grow, run_study
from sk_easycore.experiments._cost import plan_study
from sk_easycore.experiments._data import resolve_data
from sk_easycore.experiments._study import study_config
from sk_easycore.experiments.cli import main

from test_cost import fixed_rates

BASE = dict(data="digits", methods=["random"], fractions=[0.3], attacks=["fgsm"], eps=[0.1],
            epochs=1, proxy_epochs=1, eval_max_iter=3, verbose=0, frontier=())
MORE = dict(attacks=["fgsm", "pgd"], eps=[0.1, 0.2])


@pytest.fixture
def trainings(monkeypatch):
    """The keys of the cells trained (in this process: the runs are serial)."""
    trained = []

    def counting(task):
        trained.append(task.cell.key)
        return train_cell(task)

    train_cell = _dispatch.train_cell
    monkeypatch.setattr(_dispatch, "train_cell", counting)
    monkeypatch.setattr(_grow, "train_cell", counting)
    return trained


def _config(**changes):
    return study_config(**{k: v for k, v in {**BASE, **changes}.items() if k != "verbose"})


def metrics(result):
    return {r.key: r.metrics for r in result.records}


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """Three seeds, both attacks, both eps, in one run."""
    return run_study(tmp_path_factory.mktemp("fresh"), **{**BASE, **MORE, "seeds": 3})


class _Counting:
    """Count the cells trained in this process (the runs are serial) while in the block."""

    def __enter__(self):
        self.trained = []
        self._patch = pytest.MonkeyPatch()
        train_cell = _dispatch.train_cell

        def counting(task):
            self.trained.append(task.cell.key)
            return train_cell(task)

        self._patch.setattr(_dispatch, "train_cell", counting)
        self._patch.setattr(_grow, "train_cell", counting)
        return self

    def __exit__(self, *exc):
        self._patch.undo()


def _mtimes(folder):
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}


@pytest.fixture(scope="module")
def growth(tmp_path_factory):
    """One folder grown step by step (2 seeds; 3 seeds; more attacks and eps; the same lists
    in another order; another recipe), with what each step planned, trained and wrote.

    The steps run here, in order, so that the tests below hold whichever worker runs them.
    """
    out = tmp_path_factory.mktemp("grown")
    data = resolve_data("digits").load()
    steps = {}
    run_study(out, **{**BASE, "seeds": 2})
    steps["seed_plan"] = plan_study(out, _config(seeds=3), data, calibration=fixed_rates())
    with _Counting() as counting:
        result = run_study(out, **{**BASE, "seeds": 3})
    report = io.StringIO()
    with contextlib.redirect_stdout(report):
        report_rc = main(["report", str(out)])
    steps["seed"] = dict(trained=counting.trained, result=result,
                         stored=json.loads((out / "study.json").read_text()),
                         summary=(out / "summary.md").read_text(), report_rc=report_rc,
                         report=report.getvalue())
    steps["more_plan"] = plan_study(out, _config(**MORE, seeds=3), data,
                                    calibration=fixed_rates())
    with _Counting() as counting:
        result = run_study(out, **{**BASE, **MORE, "seeds": 3})
    steps["more"] = dict(trained=counting.trained, result=result,
                         log=(out / "study.log").read_text())
    before, config = _mtimes(out / "cells"), (out / "study.json").read_text()
    with _Counting() as counting:
        run_study(out, **{**BASE, "seeds": [2, 0, 1], "attacks": ["pgd", "fgsm"],
                          "eps": [0.2, 0.1]})
    steps["order"] = dict(trained=counting.trained,
                          unchanged=before == _mtimes(out / "cells")
                          and config == (out / "study.json").read_text())
    with pytest.raises(ValueError, match="different study") as error:
        run_study(out, **{**BASE, "seeds": 4, "epochs": 2, "lr": 0.01})
    steps["refused"] = dict(message=str(error.value),
                            seeds=json.loads((out / "study.json").read_text())["seeds"])
    return steps


def test_a_third_seed_trains_only_its_cells_and_equals_a_fresh_run(growth, fresh):
    plan, step = growth["seed_plan"], growth["seed"]
    assert plan.pending == ("full__f1__standard__s2", "random__f0.3__standard__s2")
    assert plan.n_finished == 4 and plan.measured == plan.retrained == ()
    assert sorted(step["trained"]) == ["full__f1__standard__s2", "random__f0.3__standard__s2"]
    assert len(step["result"].records) == 6
    # the same numbers, bit for bit, as the run that trained all three seeds at once
    for key, values in metrics(step["result"]).items():
        assert values == {m: v for m, v in metrics(fresh)[key].items() if m in values}
    assert step["stored"]["seeds"] == [0, 1, 2]
    assert "**Seeds**: 0, 1, 2 (3)" in step["summary"]
    assert step["report_rc"] == 0  # the command reads the grown folder too
    assert "**Seeds**: 0, 1, 2 (3)" in step["report"]


def test_new_attacks_and_eps_are_measured_on_the_kept_weights(growth, fresh):
    plan, step = growth["more_plan"], growth["more"]
    assert plan.pending == () and len(plan.measured) == 6 and plan.trainings == ()
    # per model, what is missing: FGSM at 0.2 and PGD at both (3 steps)
    assert plan.attack_work == {"fgsm": 6 * 450, "pgd": 6 * 2 * 450 * 3}
    assert step["trained"] == []
    assert metrics(step["result"]) == metrics(fresh)
    record = next(r for r in step["result"].records if r.key == "random__f0.3__standard__s1")
    (added,) = record.added
    assert sorted(added["metrics"]) == ["fgsm@0.2", "pgd@0.1", "pgd@0.2"]
    assert added["eval_s"] > 0
    assert "measured fgsm@0.2, pgd@0.1, pgd@0.2 on its kept weights" in step["log"]


def test_lists_in_another_order_are_the_same_study(growth):
    assert growth["order"]["trained"] == []
    assert growth["order"]["unchanged"]  # no cell and not study.json rewritten


def test_another_recipe_is_refused_naming_only_what_identifies_the_study(growth):
    message = growth["refused"]["message"]
    assert [line.strip() for line in message.splitlines() if "!=" in line] == [
        "recipe.epochs: 1 (folder) != 2 (now)", "recipe.lr: 0.001 (folder) != 0.01 (now)"]
    assert growth["refused"]["seeds"] == [0, 1, 2]


@pytest.fixture(scope="module")
def methods(tmp_path_factory):
    """A one-seed folder grown by a method and a fraction, then by an eps without one model's
    weights (in this order, here)."""
    out = tmp_path_factory.mktemp("methods")
    run_study(out, **{**BASE, "seeds": 1})
    with _Counting() as counting:
        result = run_study(out, **{**BASE, "seeds": 1, "methods": ["easycore", "random"],
                                   "fractions": [0.5, 0.3]})
    steps = {"grow": dict(trained=counting.trained, result=result,
                          models=sorted((out / "models").iterdir()))}
    (out / "models" / "random__f0.3__standard__s0.pt").unlink()
    with _Counting() as counting:
        result = run_study(out, **{**BASE, "seeds": 1, "methods": ["easycore", "random"],
                                   "fractions": [0.3, 0.5], "eps": [0.1, 0.2]})
    steps["again"] = dict(trained=counting.trained, result=result,
                          log=(out / "study.log").read_text(),
                          kept=(out / "models" / "random__f0.3__standard__s0.pt").is_file())
    steps["out"] = out
    return steps


def test_a_method_and_a_fraction_compute_only_their_cells(methods):
    step = methods["grow"]
    # matched_random repeats random's rows: recorded as copies, not trained
    assert sorted(step["trained"]) == ["easycore__f0.3__standard__s0",
                                       "easycore__f0.5__standard__s0",
                                       "random__f0.5__standard__s0"]
    assert len(step["result"].records) == 7
    assert step["models"] == sorted(methods["out"] / "models" / f"{r.key}.pt"
                                    for r in step["result"].records if not r.same_coreset_as)


def test_without_kept_weights_the_cell_is_trained_again_and_copies_follow(methods):
    step = methods["again"]
    assert step["trained"] == ["random__f0.3__standard__s0"]
    assert "random__f0.3__standard__s0: no weights of it are kept; it is trained again" in (
        step["log"])
    assert step["kept"]  # its weights are kept now
    by_key = {r.key: r for r in step["result"].records}
    for fraction in (0.3, 0.5):
        copy = by_key[f"matched_random__f{fraction}__standard__s0"]
        assert copy.metrics == by_key[f"random__f{fraction}__standard__s0"].metrics
        assert "fgsm@0.2" in copy.metrics


def test_weights_are_not_kept_when_asked(tmp_path, capsys):
    assert main(["study", "--out", str(tmp_path), "--data", "digits", "--methods", "random",
                 "--fractions", "0.3", "--attacks", "fgsm", "--eps", "0.1", "--seeds", "1",
                 "--epochs", "1", "--proxy-epochs", "1", "--no-keep-models", "--quiet"]) == 0
    assert (tmp_path / "cells").is_dir() and not (tmp_path / "models").exists()


def test_an_adversarially_trained_cell_is_measured_on_its_kept_weights(tmp_path, trainings):
    # TRADES: the trainer's fitted state (its net, labels and input shape) is rebuilt
    settings = {**BASE, "regimes": ["trades"], "train_max_iter": 2, "seeds": 1}
    run_study(tmp_path / "grown", **settings)
    del trainings[:]
    grown = run_study(tmp_path / "grown", **{**settings, **MORE})
    assert trainings == []
    assert metrics(grown) == metrics(run_study(tmp_path / "fresh", **{**settings, **MORE}))


def test_a_frontier_added_later_trains_only_its_random_cells(tmp_path, trainings):
    out = tmp_path / "study"
    run_study(out, **{**BASE, "seeds": 1})
    trainings.clear()
    result = run_study(out, **{**BASE, "seeds": 1, "frontier": [0.1, 0.3]})
    # random at 0.3 is a cell of the study already: only the frontier's 0.1 is new
    assert trainings == ["random__f0.1__standard__s0"]
    assert json.loads((out / "study.json").read_text())["frontier"] == [0.1, 0.3]
    assert len(result.records) == 3


def test_the_report_of_a_grown_folder_follows_study_json_not_its_first_cell(tmp_path):
    # the cells of the first run carry no frontier; study.json, grown, does
    settings = {**BASE, "methods": ["easycore"], "seeds": 1}
    run_study(tmp_path, **settings)
    run_study(tmp_path, **{**settings, "frontier": [0.1]})
    rows = (tmp_path / "differences.csv").read_text().splitlines()
    assert any(",frontier," in row for row in rows)
    assert (tmp_path / "frontier_standard_fgsm.png").is_file()
    # the frontier's random 10% is no bar of the summary: the study's fractions are 0.3 only
    assert "Random coresets of the frontier at fractions 0.1" in (
        tmp_path / "summary.md").read_text()
