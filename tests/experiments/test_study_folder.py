"""The study folder cannot be mixed or blocked: locks, damaged cells, order, moved data, bad paths."""

import errno
import json
import os
import shutil
import subprocess
import sys
import time
import types
from pathlib import Path

import numpy as np
import pytest

from sk_easycore.experiments import run_study, study_config, write_report
from sk_easycore.experiments.cli import main
from sk_easycore.results import StudyStore

TINY = dict(methods=["random"], fractions=[0.3], attacks=["fgsm"], eps=[0.1], seeds=1,
            epochs=1, proxy_epochs=1, frontier=())
TINY_CLI = ["--data", "synthetic2d", "--methods", "random", "--fractions", "0.3", "--attacks",
            "fgsm", "--eps", "0.1", "--epochs", "1", "--proxy-epochs", "1", "--seeds", "1",
            "--frontier", "none", "--quiet"]
KEYS = ["full__f1__standard__s0", "random__f0.3__standard__s0"]


@pytest.fixture(scope="module")
def tiny_study(tmp_path_factory):
    """A finished two-cell synthetic2d study (full data and a random 30% coreset)."""
    out = tmp_path_factory.mktemp("tiny") / "study"
    return out, run_study(out, "synthetic2d", verbose=0, **TINY)


def _copy(tiny_study, tmp_path):
    out = tmp_path / "copy"
    shutil.copytree(tiny_study[0], out)
    return out


def _mtimes(out):
    return {p.name: p.stat().st_mtime_ns for p in (out / "cells").glob("*.json")}


# ---------------------------------------------------------------- racing runs

RACER = """\
import pathlib, sys, time
from sk_easycore.experiments import _study  # the heavy imports, before the start line
from sk_easycore.experiments.cli import main
pathlib.Path(sys.argv[1]).touch()
while not pathlib.Path(sys.argv[2]).exists():
    time.sleep(0.002)
sys.exit(main(sys.argv[3:]))
"""


def _race(tmp_path, *argvs):
    """Run the CLI once per argv in its own process, all released at the same instant."""
    script = tmp_path / "racer.py"
    script.write_text(RACER)
    go = tmp_path / "go"
    root = os.fspath(Path(__file__).resolve().parents[2])  # this checkout's sk_easycore
    env = {**os.environ, "OMP_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    procs = []
    for i, argv in enumerate(argvs):
        procs.append(subprocess.Popen(
            [sys.executable, str(script), str(tmp_path / f"ready{i}"), str(go), *argv],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    deadline = time.time() + 300
    while not all((tmp_path / f"ready{i}").exists() for i in range(len(argvs))):
        assert time.time() < deadline and all(p.poll() is None for p in procs)
        time.sleep(0.01)
    go.touch()
    return [(p.wait(timeout=600), *p.communicate()) for p in procs]


def test_racing_runs_with_different_settings_one_is_refused(tmp_path):
    out = tmp_path / "study"
    runs = _race(tmp_path, ["study", "--out", str(out), *TINY_CLI, "--lr", "0.001"],
                 ["study", "--out", str(out), *TINY_CLI, "--lr", "0.002"])
    codes = sorted(rc for rc, _, _ in runs)
    assert codes == [0, 2], runs
    (refused,) = [err for rc, _, err in runs if rc == 2]
    assert "holds results of a different study" in refused and "recipe.lr" in refused
    assert "Traceback" not in refused
    lr = json.loads((out / "study.json").read_text())["recipe"]["lr"]
    cells = [json.loads(p.read_text()) for p in (out / "cells").glob("*.json")]
    assert len(cells) == 2 and {c["config"]["recipe"]["lr"] for c in cells} == {lr}


def test_racing_identical_runs_lose_no_cell_and_train_none_twice(tmp_path):
    out = tmp_path / "study"
    argv = ["study", "--out", str(out), *TINY_CLI, "--seeds", "3"]
    runs = _race(tmp_path, argv, argv)
    assert [rc for rc, _, _ in runs] == [0, 0], runs
    expected = sorted(f"{m}__standard__s{s}" for s in range(3) for m in ("full__f1",
                                                                         "random__f0.3"))
    assert sorted(p.stem for p in (out / "cells").iterdir()) == expected  # no .tmp left either
    finished = [line.split("finished ")[1].split()[0]
                for line in (out / "study.log").read_text().splitlines() if " finished " in line]
    assert sorted(finished) == expected  # each cell trained by exactly one of the runs
    # both print the whole table, the waiting run included
    assert runs[0][1] == runs[1][1] and "| standard | random | 0.3 |" in runs[0][1]


# ---------------------------------------------------------------- damaged cells

def _truncate(path):
    path.write_text(path.read_text()[:200])


def _not_a_record(path):
    path.write_text(json.dumps({"method": "random", "metrics": {"clean": 0.5}}))


def _other_configuration(path):
    cell = json.loads(path.read_text())
    cell["config"]["recipe"]["lr"] = 0.5
    path.write_text(json.dumps(cell))


def _under_another_name(path):
    shutil.copy(path.parent / f"{KEYS[0]}.json", path)  # the full-data cell as random's


DAMAGES = {"truncated": (_truncate, "not valid JSON"),
           "not_a_record": (_not_a_record, "not a cell record"),
           "other_configuration": (_other_configuration,
                                   "its configuration differs from study.json: recipe.lr"),
           "under_another_name": (_under_another_name,
                                  f"it holds the cell {KEYS[0]}, not {KEYS[1]}")}


@pytest.mark.parametrize("damage", sorted(DAMAGES))
def test_damaged_cell_is_named_by_report_then_set_aside_and_rerun(tiny_study, tmp_path, capsys,
                                                                  damage):
    out = _copy(tiny_study, tmp_path)
    damage_file, reason = DAMAGES[damage]
    cell = out / "cells" / f"{KEYS[1]}.json"
    damage_file(cell)
    before = _mtimes(out)

    assert main(["report", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"left out cells/{cell.name}: {reason}" in printed
    assert "| standard | full | 1 |" in printed  # the rest is summarised
    assert "| standard | random |" not in printed

    result = run_study(out, "synthetic2d", verbose=0, **TINY)
    log = (out / "study.log").read_text()  # the warning, as the terminal showed it
    assert f"WARNING {cell} is damaged: {reason}" in log and f"moved to {out / 'damaged'}" in log
    assert sorted(r.key for r in result.records) == KEYS and not result.damaged
    assert sorted(p.name for p in (out / "damaged").iterdir()) == [cell.name]
    after = _mtimes(out)
    assert after[f"{KEYS[0]}.json"] == before[f"{KEYS[0]}.json"]  # only the damaged one reran
    assert after[cell.name] != before[cell.name]
    assert ({r.key: r.metrics for r in result.records}
            == {r.key: r.metrics for r in tiny_study[1].records})


def test_damaged_study_json_is_named(tiny_study, tmp_path, capsys):
    out = _copy(tiny_study, tmp_path)
    (out / "study.json").write_text("{\"data\": ")
    assert main(["report", str(out)]) == 2
    assert f"{out / 'study.json'} is damaged" in capsys.readouterr().err


# ---------------------------------------------------------------- what is the same study

def test_lists_in_another_order_are_the_same_study(tmp_path):
    settings = dict(TINY, fractions=[0.5, 0.3], seeds=[1, 0], eps=[0.2, 0.1])
    run_study(tmp_path, "synthetic2d", verbose=0, **settings)
    before = _mtimes(tmp_path)
    assert len(before) == 6
    again = run_study(tmp_path, "synthetic2d", verbose=0,
                      **dict(TINY, fractions=[0.3, 0.5], seeds=[0, 1], eps=[0.1, 0.2]))
    assert _mtimes(tmp_path) == before and len(again.records) == 6
    # a folder written before the lists were kept in one order resumes too, cells and all
    for path in [tmp_path / "study.json", *(tmp_path / "cells").glob("*.json")]:
        data = json.loads(path.read_text())
        config = data.get("config", data)
        config["fractions"], config["seeds"] = [0.5, 0.3], [1, 0]
        config["recipe"]["eps"] = [0.2, 0.1]
        path.write_text(json.dumps(data))
    before = _mtimes(tmp_path)
    again = run_study(tmp_path, "synthetic2d", verbose=0, **settings)
    assert _mtimes(tmp_path) == before and len(again.records) == 6 and not again.damaged
    one = study_config("synthetic2d", methods=["random", "el2n", "easycore"],
                       regimes=["pgd", "standard"], attacks=["pgd", "fgsm"])
    other = study_config("synthetic2d", methods=["easycore", "random", "el2n"],
                         regimes=["standard", "pgd"], attacks=["fgsm", "pgd"])
    assert one == other and one.methods == ("easycore", "random", "matched_random", "el2n")


def _save_npz(path, invert=False):
    X = np.random.RandomState(0).normal(size=(90, 3)).astype(np.float32)
    y = ((X[:, 0] > 0) != invert).astype(np.int64)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(path, X_train=X[:60], y_train=y[:60], X_test=X[60:], y_test=y[60:])
    return path


def test_a_moved_npz_resumes_and_other_content_is_refused(tmp_path):
    first = _save_npz(tmp_path / "a" / "mine.npz")
    out = tmp_path / "study"
    run_study(out, str(first), verbose=0, **TINY)
    assert json.loads((out / "study.json").read_text())["data"] == "npz:mine.npz"
    before = _mtimes(out)
    moved = tmp_path / "b" / "mine.npz"
    moved.parent.mkdir()
    shutil.move(first, moved)
    assert len(run_study(out, str(moved), verbose=0, **TINY).records) == 2
    assert _mtimes(out) == before  # nothing ran again
    _save_npz(moved, invert=True)  # the same name and inputs, other labels
    with pytest.raises(ValueError, match="different study") as error:
        run_study(out, str(moved), verbose=0, **TINY)
    assert [line.split(":")[0].strip() for line in str(error.value).splitlines()
            if "!=" in line] == ["data_hash"]


def test_a_moved_scores_file_resumes_and_another_is_refused(tmp_path):
    from sk_easycore.experiments import save_scores

    first = save_scores(tmp_path / "a" / "scores.npz", "synthetic2d", proxy_epochs=1)
    out = tmp_path / "study"
    run_study(out, "synthetic2d", verbose=0, scores=first, **TINY)
    before = _mtimes(out)
    moved = tmp_path / "b" / "scores.npz"
    moved.parent.mkdir()
    shutil.move(first, moved)
    assert len(run_study(out, "synthetic2d", verbose=0, scores=moved, **TINY).records) == 2
    assert _mtimes(out) == before
    other = save_scores(tmp_path / "c" / "scores.npz", "synthetic2d", proxy_epochs=1, seed=1)
    with pytest.raises(ValueError, match="different study") as error:
        run_study(out, "synthetic2d", verbose=0, scores=other, **TINY)
    assert [line.split(":")[0].strip() for line in str(error.value).splitlines()
            if "!=" in line] == ["scores_file"]


def test_a_failed_first_run_does_not_block_the_corrected_command(tmp_path, monkeypatch):
    from sk_easycore.experiments import _study

    def fail(*args, **kwargs):
        raise RuntimeError("the user's network failed")

    with monkeypatch.context() as patch:
        patch.setattr(_study, "_select_coresets", fail)
        with pytest.raises(RuntimeError):
            run_study(tmp_path, "synthetic2d", verbose=0, **dict(TINY, lr=0.5))
    assert (tmp_path / "study.json").exists() and not list((tmp_path / "cells").iterdir())
    result = run_study(tmp_path, "synthetic2d", verbose=0, **dict(TINY, lr=0.01))
    assert len(result.records) == 2
    assert json.loads((tmp_path / "study.json").read_text())["recipe"]["lr"] == 0.01
    with pytest.raises(ValueError, match="different study"):  # now it holds finished cells
        run_study(tmp_path, "synthetic2d", verbose=0, **dict(TINY, lr=0.5))


# ---------------------------------------------------------------- bad paths

def _study_error(capsys, out, *extra):
    assert main(["study", "--out", str(out), *TINY_CLI, *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("sk-easycore: error: ") and len(err.strip().splitlines()) == 1, err
    return err


@pytest.fixture
def read_only(monkeypatch):
    """Make a folder read-only, also for root (who may write anyway: access is then denied)."""
    made = []

    def make(folder):
        folder.chmod(0o555)
        made.append(folder)
        if os.geteuid() == 0:
            real = os.access
            monkeypatch.setattr(os, "access", lambda path, mode, **kw: (
                real(path, mode, **kw) and not (mode & os.W_OK and any(
                    os.path.abspath(path) == os.fspath(f) for f in made))))
        return folder

    yield make
    for folder in made:
        folder.chmod(0o755)


def test_out_is_a_regular_file(tmp_path, capsys):
    out = tmp_path / "notes.txt"
    out.write_text("mine")
    err = _study_error(capsys, out)
    assert f"the study folder {out} is a file; give a folder" in err
    err = _study_error(capsys, out / "study")
    assert f"cannot make the study folder {out / 'study'}: {out} is a file" in err
    assert out.read_text() == "mine"


def test_out_under_a_read_only_parent(tmp_path, capsys, read_only):
    parent = tmp_path / "locked"
    parent.mkdir()
    read_only(parent)
    err = _study_error(capsys, parent / "a" / "study")
    assert f"cannot make the study folder {parent / 'a' / 'study'}: {parent} is read-only" in err


def test_read_only_finished_study_is_refused_on_resume_and_reported(tiny_study, tmp_path,
                                                                    capsys, read_only):
    out = _copy(tiny_study, tmp_path)
    for name in ("summary.md", "summary.png"):
        (out / name).unlink()
    read_only(out)
    err = _study_error(capsys, out)
    assert f"the study folder {out} is read-only" in err and "sk-easycore report" in err
    assert main(["report", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "| standard | random | 0.3 |" in printed
    assert f"{out} is read-only: summary files and figures not written" in printed
    assert not (out / "summary.md").exists() and not (out / "summary.png").exists()


def test_disk_full_is_one_line_and_keeps_finished_cells(tmp_path, capsys, monkeypatch):
    from sk_easycore.results import _io

    calls = []

    def fsync(fd):
        calls.append(fd)
        if len(calls) > 2:  # study.json and the first cell fit, not the first cell's weights
            raise OSError(errno.ENOSPC, "No space left on device")
        os.fsync(fd)

    monkeypatch.setattr(_io, "os", types.SimpleNamespace(**{**vars(os), "fsync": fsync}))
    out = tmp_path / "study"
    err = _study_error(capsys, out)
    assert "cannot write" in err and f"{out / 'models'}" in err and "the disk is full" in err
    (cell,) = (out / "cells").iterdir()  # the finished cell is kept, no temporary file left
    assert not list((out / "models").iterdir())
    assert json.loads(cell.read_text())["metrics"]
    monkeypatch.undo()
    assert main(["study", "--out", str(out), *TINY_CLI]) == 0  # space freed: it resumes
    assert sorted(p.stem for p in (out / "cells").iterdir()) == KEYS
