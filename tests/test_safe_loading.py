"""Loading never runs code from a file: the proxy cache, saved weights, every loader call."""

import ast
import logging
import os
import pickle
from pathlib import Path

import numpy as np
import pytest
import torch

from sk_easycore import clear_score_cache
from sk_easycore.scoring import PrecomputedDynamics, TrainingDynamics, save_dynamics
from sk_easycore.selection import EasyCoreSelector, ForgettingSelector
from tests.conftest import make_cnn

PACKAGE = Path(__file__).resolve().parents[1] / "sk_easycore"


class Payload:
    """Creates ``marker`` (through os.system) when unpickled."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def _calls(tree, attribute):
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr == attribute and isinstance(node.func.value, ast.Name)):
            yield node.func.value.id, node


def _keyword(node, name):
    return next((k.value for k in node.keywords if k.arg == name), None)


def test_no_loader_in_the_package_can_run_code_from_a_file():
    unsafe = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = path.relative_to(PACKAGE.parent)
        for owner, node in _calls(tree, "load"):
            weights_only = _keyword(node, "weights_only")
            if owner == "torch" and not (isinstance(weights_only, ast.Constant)
                                         and weights_only.value is True):
                unsafe.append(f"{where}:{node.lineno} torch.load without weights_only=True")
            allow = _keyword(node, "allow_pickle")
            if owner == "np" and not (isinstance(allow, ast.Constant) and allow.value is False):
                unsafe.append(f"{where}:{node.lineno} np.load without allow_pickle=False")
            if owner in ("pickle", "joblib", "cloudpickle", "dill"):
                unsafe.append(f"{where}:{node.lineno} {owner}.load")
        for owner, node in _calls(tree, "loads"):
            # _cells.py: a task's own objects sent to a worker process, never a file
            if owner in ("pickle", "cloudpickle", "dill") and path.name != "_cells.py":
                unsafe.append(f"{where}:{node.lineno} {owner}.loads")
    assert unsafe == []


def _plant(path, marker):
    torch.save(Payload(marker), path)  # a pickle whose loading would run os.system


@pytest.fixture(scope="module")
def saved_scores(digits, tmp_path_factory):
    X, y = digits[0][:150], digits[1][:150]
    proxy = TrainingDynamics(make_cnn(max_epochs=1), random_state=0).fit(X, y)
    return X, y, save_dynamics(proxy, tmp_path_factory.mktemp("s") / "scores", X, y)


def test_precomputed_weights_payload_never_runs(saved_scores, tmp_path):
    X, y, path = saved_scores
    marker = tmp_path / "ran"
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    planted = tmp_path / "planted.npz"
    _plant(tmp_path / "state.pt", marker)
    arrays["module_state"] = np.frombuffer((tmp_path / "state.pt").read_bytes(), np.uint8)
    np.savez(planted, **arrays)
    with pytest.raises(ValueError, match="planted.npz\\['module_state'\\]: .*posix.system.*"
                                         "nothing in the file was run"):
        PrecomputedDynamics(planted, net=make_cnn(max_epochs=1)).fit(X, y)
    assert not marker.exists()


def _selector(memory):
    return EasyCoreSelector(TrainingDynamics(make_cnn(max_epochs=1)), memory=str(memory),
                            random_state=0)


@pytest.fixture
def cached(digits, tmp_path):
    X, y = digits[0][:150], digits[1][:150]
    first = _selector(tmp_path / "cache").fit(X, y)
    clear_score_cache()
    (entry,) = (tmp_path / "cache").iterdir()
    return X, y, first, entry


def test_the_disk_cache_holds_no_pickle_and_gives_the_same_fit_back(cached):
    X, y, first, entry = cached
    assert sorted(p.name for p in entry.iterdir()) == ["arrays.npz", "fitted.json",
                                                       "weights.pt"]
    again = _selector(entry.parent).fit(X, y)
    assert again.scorer_ is not first.scorer_  # read back from disk, not from this process
    for name in ("scores_", "loss_", "el2n_", "forgetting_", "probas_", "embeddings_",
                 "classes_", "recorded_epochs_"):
        np.testing.assert_array_equal(getattr(again.scorer_, name),
                                      getattr(first.scorer_, name), err_msg=name)
    np.testing.assert_array_equal(again.sample_indices_, first.sample_indices_)
    np.testing.assert_array_equal(again.scorer_.net_.predict_proba(X[:10]),
                                  first.scorer_.net_.predict_proba(X[:10]))
    assert len(again.scorer_.net_.history) == len(first.scorer_.net_.history) == 1
    # another selector sharing the proxy reads the same entry (ties broken by its loss_)
    ForgettingSelector(TrainingDynamics(make_cnn(max_epochs=1)), memory=str(entry.parent),
                       random_state=0).fit(X, y)
    assert len(list(entry.parent.iterdir())) == 1


def _damage_weights(entry, marker):
    _plant(entry / "weights.pt", marker)


def _damage_arrays(entry, marker):
    np.savez(entry / "arrays.npz", scores_=np.array([Payload(marker)], dtype=object),
             allow_pickle=True)


def _damage_json(entry, marker):
    (entry / "fitted.json").write_text('{"format": 1, "key": ', encoding="utf-8")


@pytest.mark.parametrize("damage", [_damage_weights, _damage_arrays, _damage_json],
                         ids=["pickle-in-weights", "object-array", "truncated-json"])
def test_a_planted_or_damaged_entry_is_recomputed_never_run(cached, tmp_path, caplog, damage):
    X, y, first, entry = cached
    marker = tmp_path / "payload-ran"
    damage(entry, marker)
    with caplog.at_level(logging.WARNING, logger="sk_easycore._cache"):
        again = _selector(entry.parent).fit(X, y)
    assert not marker.exists()
    assert str(entry) in caplog.text and "Recomputing it" in caplog.text
    np.testing.assert_array_equal(again.sample_indices_, first.sample_indices_)
    clear_score_cache()  # the replaced entry is complete again
    assert sorted(p.name for p in entry.iterdir()) == ["arrays.npz", "fitted.json",
                                                       "weights.pt"]
    _selector(entry.parent).fit(X, y)
    assert not marker.exists()


def test_a_pickle_left_by_the_old_joblib_cache_is_never_read(cached, tmp_path):
    X, y, _, entry = cached
    marker = tmp_path / "payload-ran"
    old = entry.parent / "joblib" / "sk_easycore" / "_cache" / "_fit" / "0123abcd"
    old.mkdir(parents=True)
    (old / "output.pkl").write_bytes(pickle.dumps(Payload(marker)))
    _selector(entry.parent).fit(X, y)
    assert not marker.exists()


def test_resuming_a_study_with_planted_proxies_runs_nothing(tmp_path):
    from sk_easycore.experiments import run_study

    settings = dict(data="digits", methods=["easycore"], fractions=[0.3], attacks=["fgsm"],
                    eps=[0.1], seeds=1, epochs=1, proxy_epochs=1, frontier=(), verbose=0)
    out, marker = tmp_path / "study", tmp_path / "payload-ran"
    n_cells = len(run_study(out, **settings).records)
    planted = list((out / "proxies").rglob("weights.pt"))
    assert planted and not list((out / "proxies").rglob("*.pkl"))
    for path in planted:
        _plant(path, marker)
    for cell in (out / "cells").glob("*.json"):
        cell.unlink()
    clear_score_cache()
    result = run_study(out, **settings)
    assert not marker.exists()
    assert len(result.records) == n_cells == len(list((out / "cells").glob("*.json")))


def test_a_study_on_a_planted_cifar_root_refuses_it_and_runs_nothing(tmp_path):
    from sk_easycore.experiments import run_study

    folder, marker = tmp_path / "cifar-10-batches-py", tmp_path / "payload-ran"
    folder.mkdir()
    batch = {b"data": np.zeros((10, 3072), np.uint8), b"labels": list(range(10))}
    for name in [f"data_batch_{i}" for i in range(2, 6)] + ["test_batch"]:
        (folder / name).write_bytes(pickle.dumps(batch, protocol=2))
    (folder / "batches.meta").write_bytes(pickle.dumps({b"label_names": []}, protocol=2))
    (folder / "data_batch_1").write_bytes(pickle.dumps(Payload(marker), protocol=2))
    with pytest.raises(ValueError, match=f"{folder / 'data_batch_1'} is not a CIFAR batch: its "
                                         "pickle calls posix.system"):
        run_study(tmp_path / "out", "cifar10", data_root=tmp_path, verbose=0)
    assert not marker.exists() and not (tmp_path / "out").exists()


@pytest.mark.parametrize("damage", ["truncated", "text", "object-array", "no-settings"])
def test_a_damaged_scores_file_is_named(saved_scores, tmp_path, damage):
    X, y, path = saved_scores
    bad = tmp_path / "bad.npz"
    if damage == "truncated":
        bad.write_bytes(path.read_bytes()[:1000])
    elif damage == "text":
        bad.write_text("aign,loss\n1,2\n")
    elif damage == "object-array":
        np.savez(bad, settings=np.array([{"data_hash": 1}], dtype=object), allow_pickle=True)
    else:
        np.savez(bad, aign=np.zeros(3))
    with pytest.raises(ValueError, match=f"{bad} is not a readable scores file") as excinfo:
        PrecomputedDynamics(bad).fit(X, y)
    assert "allow_pickle=True" not in str(excinfo.value)
