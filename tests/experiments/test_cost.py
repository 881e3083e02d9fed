"""The dry run: counts that match what a run does, its arithmetic, its time estimate, CIFAR."""

import pickle
import time

import numpy as np
import pytest

from sk_easycore.experiments import run_study, study_config
from sk_easycore.experiments._calibrate import Calibration, Rate
from sk_easycore.experiments._cost import plan_study
from sk_easycore.experiments._data import resolve_data
from sk_easycore.experiments.cli import main

# standard and TRADES, a proxy (easycore) and its class-matched control, PGD evaluation
TINY = dict(methods=["easycore"], fractions=[0.3], regimes=["standard", "trades"],
            attacks=["pgd"], eps=[0.1], seeds=1, epochs=2, proxy_epochs=2, eval_max_iter=5,
            train_max_iter=2, frontier=())


def fixed_rates(batch_size=64):
    rates = {"standard": Rate(0.01, 0.5, "batch"), "trades": Rate(0.1, 1.0, "batch"),
             "pgd": Rate(0.05, 1.0, "batch"), "attack_step": Rate(1e-4, 0.2, "image x step"),
             "autoattack": Rate(2.0, 0.0, "image")}
    return Calibration("test", batch_size, rates, 0.0)


def test_dry_run_counts_what_the_run_does_and_estimates_its_time(tmp_path):
    out = tmp_path / "study"
    plan = run_study(out, "digits", dry_run=True, verbose=0, **TINY)
    assert not out.exists()  # nothing written, not even the folder
    start = time.perf_counter()
    result = run_study(out, "digits", verbose=0, **TINY)
    wall = time.perf_counter() - start
    assert sorted(plan.pending) == sorted(r.key for r in result.records)
    trained = [r for r in result.records if r.same_coreset_as is None]
    assert len(plan.pending) - plan.n_copies == len(trained) == 6
    # every trained model is in the plan with its rows and epochs
    planned = sorted((t.regime, t.rows, t.epochs) for t in plan.trainings for _ in range(t.models))
    assert planned == sorted((r.regime, r.n_train, r.epochs) for r in trained)
    assert plan.proxies == ((0, 2, 2 * 22),)  # 1347 rows in batches of 64
    assert plan.attack_work == {"pgd": 6 * 450 * 5}
    # The estimate against what the run took: the cells' own training, evaluation and
    # selection seconds (the device work the estimate models), and the wall clock (data
    # loading and the report's figures on top). A factor of 4 either way: calibration
    # times a few batches at one moment and the run happens at another, on a 2-core
    # machine shared with other processes, where contention alone has changed a
    # training's time by 2x; here estimate / cells was 0.64 and estimate / wall 0.58.
    work = sum(r.timings["train_s"] + r.timings["eval_s"] for r in trained)
    work += sum(r.timings["select_s"] for r in result.records)
    for actual in (work, wall):
        assert actual / 4 <= plan.total_seconds <= actual * 4, (plan.total_seconds, actual)
    # a finished folder has nothing left to do; a missing cell is found again
    config, data = study_config("digits", **TINY), resolve_data("digits").load()
    assert plan_study(out, config, data, calibration=fixed_rates()).pending == ()
    (out / "cells" / "full__f1__trades__s0.json").unlink()
    again = plan_study(out, config, data, calibration=fixed_rates())
    assert again.pending == ("full__f1__trades__s0",) and again.n_finished == 5
    with pytest.raises(ValueError, match="a run would refuse it(.|\n)*recipe.epochs: 2"):
        run_study(out, "digits", dry_run=True, verbose=0, **{**TINY, "epochs": 3})


def test_the_arithmetic_of_the_estimate(tmp_path):
    data = resolve_data("digits").load()
    config = study_config("digits", methods=["easycore", "random"], fractions=[0.1, 0.5],
                          regimes=["standard", "trades"], attacks=["fgsm", "pgd", "autoattack"],
                          eps=[0.05, 0.1], seeds=2, budget="steps", epochs=3, proxy_epochs=4,
                          scoring_runs=2, eval_max_iter=20, frontier=())
    plan = plan_study(tmp_path / "none", config, data, calibration=fixed_rates())
    assert len(plan.pending) == 2 * 2 * (1 + 3 * 2) and plan.n_copies == 2 * 2 * 2
    # 10% and 50% of each class of digits' 1347 rows, rounded half up per class
    counts = np.unique(data.y_train, return_counts=True)[1]
    kept = {f: int(sum(np.floor(f * counts + 0.5))) for f in (0.1, 0.5)}
    assert kept == {0.1: 136, 0.5: 676}
    rows = {t.fraction: t.rows for t in plan.trainings}
    assert rows == {1.0: 1347, **kept}
    epochs = {t.fraction: t.epochs for t in plan.trainings}
    assert epochs == {1.0: 3, 0.5: round(3 * 1347 / 676), 0.1: round(3 * 1347 / 136)} == {
        1.0: 3, 0.5: 6, 0.1: 30}
    # 2 seeds x 2 runs x 4 epochs x 22 batches
    assert plan.proxies == ((0, 8, 176), (1, 8, 176))
    batches = {f: t.batches for t in plan.trainings if t.regime == "standard"
               for f in [t.fraction]}
    assert batches == {1.0: 3 * 22, 0.5: 6 * 11, 0.1: 30 * 3}
    models = 2 * (1 + 2 * 2)  # per regime: full + easycore and random at two fractions
    per_regime = 2 * (66 + 2 * 66 + 2 * 90)  # batches of one regime's models
    assert plan.seconds["standard"] == pytest.approx(0.01 * per_regime + 0.5 * models)
    assert plan.seconds["trades"] == pytest.approx(0.1 * per_regime + 1.0 * models)
    assert plan.seconds["proxies"] == pytest.approx(0.01 * 352 + 0.5 * 2)
    n_models = 2 * models
    assert plan.attack_work == {"fgsm": n_models * 2 * 450, "pgd": n_models * 2 * 450 * 20}
    assert plan.seconds["attacks"] == pytest.approx(
        1e-4 * n_models * 2 * 450 * 21 + 0.2 * 2 * n_models * 2)
    assert plan.autoattack_images == {"autoattack": n_models * 2 * 450}
    assert plan.seconds["autoattack"] == pytest.approx(2.0 * n_models * 2 * 450)
    assert plan.total_seconds == pytest.approx(sum(plan.seconds.values()))
    text = str(plan)
    assert "autoattack: 18,000 images" in text and "order of magnitude" in text


def write_fake_cifar(root, per_batch=10, n_test=16):
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        n = n_test if name == "test_batch" else per_batch
        batch = {b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
                 b"labels": [i % 10 for i in range(n)]}
        with open(folder / name, "wb") as f:
            pickle.dump(batch, f)
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({b"label_names": [str(i).encode() for i in range(10)]}, f)
    return root


def test_cifar_dry_run_for_both_recipes(tmp_path, capsys):
    root = write_fake_cifar(tmp_path / "data")
    # the recipes' ResNet-18, with batches small enough to time on a CPU in seconds
    out = tmp_path / "paper"
    plan = run_study(out, "cifar10", data_root=root, recipe="paper", dry_run=True, verbose=0,
                     batch_size=2, attack_batch_size=2, train_max_iter=2, seeds=1,
                     methods=["random"], fractions=[0.5], attacks=["pgd"], eps=[8 / 255],
                     frontier=())
    cli = ["study", "--data", "cifar10", "--data-root", str(root), "--out", str(tmp_path / "fast"),
           "--recipe", "fast", "--dry-run", "--quiet", "--batch-size", "2", "--seeds", "1",
           "--methods", "random", "--fractions", "0.5", "--attacks", "pgd", "--eps", "0.03",
           "--frontier", "none"]
    assert main(cli) == 0
    # standard training only: TRADES on ResNet-18 takes tens of seconds on a CPU (its
    # calibration is tested on digits above)
    for text, epochs, regimes in ((str(plan), 300, ("standard",)),
                                  (capsys.readouterr().out, 40, ("standard",))):
        assert not (tmp_path / "paper").exists() and not (tmp_path / "fast").exists()
        n = 2 * len(regimes)
        assert f"cells: {n} in the study, 0 finished, {n} to run" in text
        # 50 training rows in batches of 2; random's 50% coreset keeps 3 of each class's 5
        for regime in regimes:
            assert f"{regime:<9} {1:>8g} {1:>6} {50:>7} {epochs:>6} {25 * epochs:>10}" in text
            assert f"{regime:<9} {0.5:>8g} {1:>6} {30:>7} {epochs:>6} {15 * epochs:>10}" in text
        assert "proxies" not in text  # random needs no proxy
        assert f"attack pgd: {n * 16 * 20:,} image x step" in text
        assert "calibration on cpu" in text and "s per batch of 2" in text
        assert all(f"  {regime}  " in text for regime in regimes)
        assert "estimated device time" in text
    assert plan.seconds["standard"] > 0 and plan.calibration.batch_size == 2


def test_named_recipes_are_recorded_and_never_mixed(tmp_path):
    from sk_easycore.experiments import RECIPES, named_recipe
    from sk_easycore.results import StudyStore

    paper, fast = named_recipe("paper"), named_recipe("fast")
    assert (paper.epochs, paper.scheduler, fast.epochs, fast.scheduler) == (
        300, "cosine", 40, "onecycle")
    same = {k: v for k, v in fast.to_dict().items()
            if k not in ("epochs", "proxy_epochs", "scheduler", "name")}
    assert same == {k: paper.to_dict()[k] for k in same}  # model, augmentation, attacks, ...
    assert set(RECIPES) == {"paper", "fast"}
    root = write_fake_cifar(tmp_path / "data")
    settings = dict(data_root=root, methods=["random"], fractions=[0.5], seeds=1,
                    epochs=1, proxy_epochs=1)
    config = study_config("cifar10", recipe="paper", **settings)
    assert config.to_dict()["recipe"]["name"] == "paper"
    store = StudyStore(tmp_path / "study")
    store.open(config.to_dict())
    # a finished cell: a folder with none would take the new configuration (a failed first run)
    store.save_cell({"regime": "standard", "method": "full", "seed": 0, "fraction": 1.0,
                     "metrics": {"clean": 0.5}, "config": config.to_dict()})
    store.close()
    with pytest.raises(ValueError, match="different study(.|\n)*recipe.name: 'paper' "
                       "\\(folder\\) != 'fast'(.|\n)*recipe.scheduler"):
        run_study(tmp_path / "study", "cifar10", recipe="fast", verbose=0, **settings)
    assert len(list((tmp_path / "study" / "cells").iterdir())) == 1
    with pytest.raises(ValueError, match="recipe must be one of \\['fast', 'paper'\\]"):
        study_config("digits", recipe="slow")


def test_onecycle_schedule_and_compile_are_plumbed():
    from sk_easycore.experiments._cells import study_net
    from sk_easycore.models import lr_scheduler, make_default_net

    data = resolve_data("digits").load()
    net = make_default_net((64, 1, 8, 8), 10, optimizer="sgd", lr=0.1, max_epochs=5,
                           scheduler="onecycle")
    net.fit(data.X_train[:64], data.y_train[:64])
    history = net.history[:, "event_lr"]  # up from 0.1 / 25 to about 0.1, then down
    assert history[0] == pytest.approx(0.1 / 25)
    assert max(history) == pytest.approx(0.1, rel=0.2) and history[-1] < history[1]
    with pytest.raises(ValueError, match="needs lr"):
        lr_scheduler("onecycle", 3)
    config = study_config("digits", compile=True, scheduler="onecycle", lr=0.05)
    built = study_net(config, None, data, 10, epochs=2)
    assert built.compile is True and config.to_dict()["recipe"]["compile"] is True
    assert not hasattr(built, "module_")  # built, never compiled here
