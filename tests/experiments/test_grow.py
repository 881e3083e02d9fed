"""A study grows: more seeds, methods, fractions, attacks or eps compute only what is new.

Issue 18: a finished 2-seed study asked for 3 seeds was refused. Now a folder whose data,
network and recipe are unchanged takes the run, trains only the new cells, measures new
attacks and budgets on the kept weights, and gives what a fresh run gives, bit for bit.
"""

import json

import pytest

from sk_easycore.experiments import _dispatch, _grow, run_study
from sk_easycore.experiments._cost import plan_study
from sk_easycore.experiments._data import resolve_data
from sk_easycore.experiments._study import study_config
from sk_easycore.experiments.cli import main

from test_cost import fixed_rates

BASE = dict(data="digits", methods=["random"], fractions=[0.3], attacks=["fgsm"], eps=[0.1],
            epochs=1, proxy_epochs=1, eval_max_iter=3, verbose=0)
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


@pytest.fixture(scope="module")
def grown(tmp_path_factory):
    """Two seeds with FGSM at 0.1, the folder the tests below grow (in this order)."""
    out = tmp_path_factory.mktemp("grown")
    run_study(out, **{**BASE, "seeds": 2})
    return out


def test_a_third_seed_trains_only_its_cells_and_equals_a_fresh_run(grown, fresh, trainings,
                                                                     capsys):
    plan = plan_study(grown, _config(seeds=3), resolve_data("digits").load(),
                      calibration=fixed_rates())
    assert plan.pending == ("full__f1__standard__s2", "random__f0.3__standard__s2")
    assert plan.n_finished == 4 and plan.measured == plan.retrained == ()
    result = run_study(grown, **{**BASE, "seeds": 3})
    assert sorted(trainings) == ["full__f1__standard__s2", "random__f0.3__standard__s2"]
    assert len(result.records) == 6
    # the same numbers, bit for bit, as the run that trained all three seeds at once
    for key, values in metrics(result).items():
        assert values == {m: v for m, v in metrics(fresh)[key].items() if m in values}
    stored = json.loads((grown / "study.json").read_text())
    assert stored["seeds"] == [0, 1, 2]
    assert "**Seeds**: 0, 1, 2 (3)" in (grown / "summary.md").read_text()
    assert main(["report", str(grown)]) == 0  # the command reads the grown folder too
    assert "**Seeds**: 0, 1, 2 (3)" in capsys.readouterr().out


def test_new_attacks_and_eps_are_measured_on_the_kept_weights(grown, fresh, trainings):
    plan = plan_study(grown, _config(**MORE, seeds=3), resolve_data("digits").load(),
                      calibration=fixed_rates())
    assert plan.pending == () and len(plan.measured) == 6 and plan.trainings == ()
    # per model, what is missing: FGSM at 0.2 and PGD at both (3 steps)
    assert plan.attack_work == {"fgsm": 6 * 450, "pgd": 6 * 2 * 450 * 3}
    result = run_study(grown, **{**BASE, **MORE, "seeds": 3})
    assert trainings == []
    assert metrics(result) == metrics(fresh)
    record = next(r for r in result.records if r.key == "random__f0.3__standard__s1")
    (added,) = record.added
    assert sorted(added["metrics"]) == ["fgsm@0.2", "pgd@0.1", "pgd@0.2"]
    assert added["eval_s"] > 0
    assert "measured fgsm@0.2, pgd@0.1, pgd@0.2 on its kept weights" in (
        grown / "study.log").read_text()


def test_lists_in_another_order_are_the_same_study(grown, trainings):
    before = {p.name: p.stat().st_mtime_ns for p in (grown / "cells").iterdir()}
    config = (grown / "study.json").read_text()
    run_study(grown, **{**BASE, "seeds": [2, 0, 1], "attacks": ["pgd", "fgsm"],
                        "eps": [0.2, 0.1]})
    assert trainings == []
    assert before == {p.name: p.stat().st_mtime_ns for p in (grown / "cells").iterdir()}
    assert (grown / "study.json").read_text() == config


def test_another_recipe_is_refused_naming_only_what_identifies_the_study(grown):
    with pytest.raises(ValueError, match="different study") as error:
        run_study(grown, **{**BASE, "seeds": 4, "epochs": 2, "lr": 0.01})
    assert [line.strip() for line in str(error.value).splitlines() if "!=" in line] == [
        "recipe.epochs: 1 (folder) != 2 (now)", "recipe.lr: 0.001 (folder) != 0.01 (now)"]
    assert json.loads((grown / "study.json").read_text())["seeds"] == [0, 1, 2]


@pytest.fixture(scope="module")
def methods(tmp_path_factory):
    out = tmp_path_factory.mktemp("methods")
    run_study(out, **{**BASE, "seeds": 1})
    return out


def test_a_method_and_a_fraction_compute_only_their_cells(methods, trainings):
    result = run_study(methods, **{**BASE, "seeds": 1, "methods": ["easycore", "random"],
                                   "fractions": [0.5, 0.3]})
    # matched_random repeats random's rows: recorded as copies, not trained
    assert sorted(trainings) == ["easycore__f0.3__standard__s0", "easycore__f0.5__standard__s0",
                                 "random__f0.5__standard__s0"]
    assert len(result.records) == 7
    assert sorted((methods / "models").iterdir()) == sorted(
        methods / "models" / f"{r.key}.pt" for r in result.records if not r.same_coreset_as)


def test_without_kept_weights_the_cell_is_trained_again_and_copies_follow(methods, trainings):
    (methods / "models" / "random__f0.3__standard__s0.pt").unlink()
    result = run_study(methods, **{**BASE, "seeds": 1, "methods": ["easycore", "random"],
                                   "fractions": [0.3, 0.5], "eps": [0.1, 0.2]})
    assert trainings == ["random__f0.3__standard__s0"]
    log = (methods / "study.log").read_text()
    assert "random__f0.3__standard__s0: no weights of it are kept; it is trained again" in log
    assert (methods / "models" / "random__f0.3__standard__s0.pt").is_file()  # kept now
    by_key = {r.key: r for r in result.records}
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
