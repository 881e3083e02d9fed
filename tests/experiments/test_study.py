"""run_study end to end on digits: cells, controls, resume, refusal, kill and restart, Dask."""

import os
import signal
import subprocess
import sys
import time

import pytest

from sk_easycore.experiments import run_study, study_config, write_report

SETTINGS = dict(data="digits", methods=["easycore", "random"], fractions=[0.3],
                attacks=["fgsm"], eps=[0.1], seeds=2, epochs=2, proxy_epochs=2, frontier=())
CLI_ARGS = ["--methods", "easycore,random", "--fractions", "0.3", "--attacks", "fgsm",
            "--eps", "0.1", "--seeds", "2", "--epochs", "2", "--proxy-epochs", "2",
            "--frontier", "none", "--quiet"]


def metrics_by_key(records):
    return {r.key: r.metrics for r in records}


@pytest.fixture(scope="module")
def serial_study(tmp_path_factory):
    out = tmp_path_factory.mktemp("serial")
    return out, run_study(out, verbose=0, **SETTINGS)


def test_every_cell_once_with_controls_and_full_data(serial_study):
    out, result = serial_study
    keys = sorted(r.key for r in result.records)
    expected = sorted(f"{m}__f{f}__standard__s{s}" for s in (0, 1)
                      for m, f in [("full", 1), ("easycore", 0.3), ("random", 0.3),
                                   ("matched_random", 0.3)])
    assert keys == expected
    by_key = {r.key: r for r in result.records}
    for seed in (0, 1):
        easy, control, rand = (by_key[f"{m}__f0.3__standard__s{seed}"]
                               for m in ("easycore", "matched_random", "random"))
        assert easy.class_counts == control.class_counts
        # class-balanced: the control draws random's very rows; trained once, recorded twice
        assert control.sample_indices == rand.sample_indices
        assert control.same_coreset_as == rand.key and control.metrics == rand.metrics
        assert by_key[f"full__f1__standard__s{seed}"].n_train == 1347
    record = by_key["easycore__f0.3__standard__s0"]
    assert set(record.metrics) == {"clean", "fgsm@0.1"}
    assert record.versions["torch"] and record.config["recipe"]["epochs"] == 2
    assert 0 <= record.metrics["fgsm@0.1"] <= record.metrics["clean"] <= 1


def test_summary_files_and_paired_differences(serial_study):
    out, result = serial_study
    text = (out / "summary.md").read_text()
    assert text.startswith(result.markdown())  # the tables, then the figures
    for name in ("summary.png", "robustness_standard_fgsm.png"):
        assert f"]({name})" in text
        assert (out / name).read_bytes().startswith(b"\x89PNG")
    assert not list(out.glob(".*.tmp"))
    assert "| standard | easycore | 0.3 |" in text and "| standard | full | 1 |" in text
    assert "Paired difference from random" in text
    assert "| standard | matched_random (= random) | 0.3 |" in text
    assert "Identical coresets, trained once" in text
    assert "| standard | matched_random | 0.3 | 2 |" not in text
    assert (out / "summary.csv").read_text().startswith("regime,method,fraction,metric")
    assert "finished" in (out / "study.log").read_text()


def test_rerun_skips_finished_cells(serial_study):
    out, result = serial_study
    before = {p.name: p.stat().st_mtime_ns for p in (out / "cells").iterdir()}
    again = run_study(out, verbose=0, **SETTINGS)
    after = {p.name: p.stat().st_mtime_ns for p in (out / "cells").iterdir()}
    assert before == after
    assert metrics_by_key(again.records) == metrics_by_key(result.records)


def test_changed_configuration_is_refused(serial_study):
    out, _ = serial_study
    with pytest.raises(ValueError, match="different study") as error:
        run_study(out, verbose=0, **{**SETTINGS, "epochs": 3})
    assert [line.strip() for line in str(error.value).splitlines() if "!=" in line] == [
        "recipe.epochs: 2 (folder) != 3 (now)"]


def test_invalid_settings_name_the_parameter():
    with pytest.raises(ValueError, match="Unknown methods \\['fancy'\\]"):
        study_config(methods=["fancy"])
    with pytest.raises(ValueError, match="fractions must lie in \\(0, 1\\)"):
        study_config(fractions=[0.3, 1.0])
    with pytest.raises(ValueError, match="regimes must be a non-empty subset"):
        study_config(regimes=["magic"])
    with pytest.raises(ValueError, match="budget must be one of"):
        study_config(budget="hours")
    with pytest.raises(ValueError, match="pass data_root"):
        study_config(data="cifar10")
    with pytest.raises(ValueError, match="unknown dataset 'mine'; registered: cifar10"):
        study_config(data="mine")


def test_steps_budget_trains_coresets_longer(tmp_path):
    result = run_study(tmp_path, verbose=0, **{**SETTINGS, "methods": ["random"], "seeds": 1,
                                               "budget": "steps"})
    epochs = {r.method: r.epochs for r in result.records}
    assert epochs == {"full": 2, "random": round(2 * 1347 / 405)}


def _cli(out, *extra):
    return [sys.executable, "-m", "sk_easycore.experiments.cli", "study", "--out", str(out),
            *CLI_ARGS, *extra]


def test_killed_run_resumes_without_loss_or_duplicates(serial_study, tmp_path):
    out = tmp_path / "killed"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(_cli(out), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 240
    while time.time() < deadline and proc.poll() is None:
        if len(list((out / "cells").glob("*.json"))) >= 3 if (out / "cells").exists() else 0:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the study finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    n_before = len(list((out / "cells").glob("*.json")))
    assert 3 <= n_before < 8
    subprocess.run(_cli(out), env=env, check=True, stdout=subprocess.DEVNULL)
    cells = sorted(p.name for p in (out / "cells").iterdir())
    assert len(cells) == 8 and all(name.endswith(".json") for name in cells)
    resumed = write_report(out)
    # same seeds, same cells: the same table as the uninterrupted run
    assert metrics_by_key(resumed.records) == metrics_by_key(serial_study[1].records)
    assert resumed.markdown() == serial_study[1].markdown()


def test_dask_cluster_gives_the_serial_results(serial_study, tmp_path):
    import distributed

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        result = run_study(tmp_path, verbose=0, dask_scheduler=cluster.scheduler_address,
                           **SETTINGS)
    assert metrics_by_key(result.records) == metrics_by_key(serial_study[1].records)


def test_cli_help_and_report(serial_study, capsys):
    from sk_easycore.experiments.cli import main

    with pytest.raises(SystemExit):
        main(["study", "--help"])
    help_text = capsys.readouterr().out
    assert "--budget {epochs,steps}" in help_text and "matched_random" in help_text
    assert main(["report", str(serial_study[0])]) == 0
    assert "Paired difference from random" in capsys.readouterr().out
    assert main(["report", str(serial_study[0] / "nope")]) == 2
    assert "is not a study folder" in capsys.readouterr().err


def test_scores_file_is_reused_and_checked(tmp_path):
    import numpy as np

    from sk_easycore.experiments import load_dataset, load_scores, save_scores
    from sk_easycore.selection import EasyCoreSelector

    path = save_scores(tmp_path / "scores", "digits", proxy_epochs=1, seed=3)
    X, y, _, _ = load_dataset("digits")
    scores = load_scores(path, X, y)
    assert set(scores) >= {"aign", "forgetting", "loss"} and scores["aign"].shape == (len(y),)
    with pytest.raises(ValueError, match="holds scores of other training data"):
        load_scores(path, X[:-1], y[:-1])
    result = run_study(tmp_path / "study", verbose=0, scores=path,
                       **{**SETTINGS, "seeds": 1, "methods": ["easycore"]})
    (easy,) = [r for r in result.records if r.method == "easycore"]
    expected = EasyCoreSelector(scores["aign"], frac=0.3).fit(X, y).sample_indices_
    np.testing.assert_array_equal(easy.sample_indices, expected)


def test_scoring_runs_average_aign_over_proxies(tmp_path):
    import numpy as np

    from sk_easycore.experiments import load_dataset, make_proxy, study_config
    from sk_easycore.experiments._data import resolve_data
    from sk_easycore.selection import EasyCoreSelector
    from sk_easycore.utils import int_seed

    settings = {**SETTINGS, "seeds": 1, "methods": ["easycore"]}
    result = run_study(tmp_path, verbose=0, scoring_runs=2, **settings)
    X, y, _, _ = load_dataset("digits")
    single = make_proxy(study_config(**settings), None, resolve_data("digits").load())
    runs = [single.set_params(random_state=int_seed(0) + r).fit(X, y).scores_.copy()
            for r in range(2)]
    mean = (runs[0] + runs[1]) / 2
    (easy,) = [r for r in result.records if r.method == "easycore"]
    expected = EasyCoreSelector(mean, frac=0.3).fit(X, y).sample_indices_
    np.testing.assert_array_equal(easy.sample_indices, expected)
    single = EasyCoreSelector(runs[0], frac=0.3).fit(X, y).sample_indices_
    assert not np.array_equal(single, expected)


def test_adversarial_regimes_run(tmp_path):
    result = run_study(tmp_path, verbose=0, **{**SETTINGS, "seeds": 1, "methods": ["random"],
                                               "regimes": ["trades", "pgd"], "epochs": 1})
    assert sorted(r.key for r in result.records) == [
        "full__f1__pgd__s0", "full__f1__trades__s0",
        "random__f0.3__pgd__s0", "random__f0.3__trades__s0"]
    assert all(0 <= r.metrics["fgsm@0.1"] <= 1 for r in result.records)


@pytest.mark.parametrize("argv", [["--help"], ["study", "--help"], ["score", "--help"]])
def test_help_imports_neither_torch_sklearn_nor_art(argv):
    code = ("import sys\nfrom sk_easycore.experiments.cli import main\n"
            f"try:\n    main({argv!r})\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('torch', 'sklearn', 'art', 'skorch', 'matplotlib', 'scipy')"
            " if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert "usage: sk-easycore" in done.stdout


def test_quiet_study_prints_only_its_table(tmp_path):
    done = subprocess.run(_cli(tmp_path / "quiet") + ["--seeds", "1"], capture_output=True,
                          text=True, timeout=600, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0 and done.stderr == ""  # no log line, no bar, no warning
    assert done.stdout.startswith("# Study summary\n\n## What was run")
    log = (tmp_path / "quiet" / "study.log").read_text()
    assert "finished full__f1__standard__s0" in log  # the INFO lines went to the log
    mode = (tmp_path / "quiet" / "summary.md").stat().st_mode & 0o777
    assert mode == 0o666 & ~_umask()


def _umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
