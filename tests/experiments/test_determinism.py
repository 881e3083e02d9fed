"""The same study gives the same coresets and metrics in every process, for every form of net=.

Each form of the user's network: a factory returning a skorch net of a module class, a
factory building a module instance inside (docs/your_data.md's), a skorch net of a module
class, and a skorch net of a module instance drawn unseeded when its module is imported
(so every process holds other weights). Each runs in two separate processes from the
API, from the command line, with ``n_jobs=2`` and on a local Dask cluster: every record's
``sample_indices`` and metrics are compared bit for bit (one machine, one torch thread).
"""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from sk_easycore.experiments import run_study

FORMS_PY = textwrap.dedent('''
    import torch
    from skorch import NeuralNetClassifier

    KW = dict(criterion=torch.nn.CrossEntropyLoss, optimizer=torch.optim.Adam, lr=1e-2,
              max_epochs=2, batch_size=32, iterator_train__shuffle=True, verbose=0)


    class MLP(torch.nn.Module):
        def __init__(self, n_features=13, n_classes=3, hidden=16):
            super().__init__()
            self.body = torch.nn.Sequential(torch.nn.Linear(n_features, hidden),
                                            torch.nn.ReLU(), torch.nn.Linear(hidden, n_classes))

        def forward(self, X):
            return self.body(X)


    def factory_of_class(n_classes, X_example):
        return NeuralNetClassifier(MLP, module__n_features=X_example.shape[1],
                                   module__n_classes=n_classes, **KW)


    def factory_of_instance(n_classes, X_example):  # docs/your_data.md's factory
        module = torch.nn.Sequential(torch.nn.Linear(X_example.shape[1], 16), torch.nn.ReLU(),
                                     torch.nn.Linear(16, n_classes))
        return NeuralNetClassifier(module, **KW)


    NET_OF_CLASS = NeuralNetClassifier(MLP, **KW)
    NET_OF_INSTANCE = NeuralNetClassifier(MLP(), **KW)  # drawn from an unseeded generator
''')
FORMS = ["factory_of_class", "factory_of_instance", "NET_OF_CLASS", "NET_OF_INSTANCE"]
SETTINGS = dict(methods=["easycore", "random"], fractions=[0.3], seeds=1, attacks=["fgsm"],
                eps=[0.1], frontier=())
CLI_SETTINGS = ["--methods", "easycore,random", "--fractions", "0.3", "--seeds", "1",
                "--attacks", "fgsm", "--eps", "0.1", "--frontier", "none", "--quiet"]
RUN_PY = textwrap.dedent(f'''
    import json, sys
    import torch
    import forms
    from sk_easycore.experiments import run_study
    from sk_easycore.experiments._cells import describe_net

    torch.set_num_threads(1)
    found = {{"weight": forms.NET_OF_INSTANCE.module.body[0].weight.detach().flatten().tolist(),
              "described": describe_net(forms.NET_OF_INSTANCE)}}
    for name in forms.FORMS:
        result = run_study(f"{{sys.argv[1]}}/{{name}}", "wine.npz", net=getattr(forms, name),
                           verbose=0, **{SETTINGS!r})
        found[name] = {{r.key: [r.sample_indices, {{str(k): v for k, v in r.metrics.items()}}]
                       for r in result.records}}
    print(json.dumps(found))
''')


def _records(records):
    return {r.key: [r.sample_indices, {str(k): v for k, v in r.metrics.items()}]
            for r in records}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    from sklearn.datasets import load_wine
    from sklearn.model_selection import train_test_split

    folder = tmp_path_factory.mktemp("forms")
    (folder / "forms.py").write_text(FORMS_PY + f"\nFORMS = {FORMS!r}\n")
    (folder / "run.py").write_text(RUN_PY)
    X, y = load_wine(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                                        random_state=0)
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    np.savez(folder / "wine.npz", X_train=(X_train - mean) / std, y_train=y_train,
             X_test=(X_test - mean) / std, y_test=y_test)
    return folder


def _env():
    # one torch thread, as in this process (conftest); the library from this checkout
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    path = os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": path}


@pytest.fixture(scope="module")
def api_runs(folder):
    runs = []
    for name in ("api1", "api2"):
        done = subprocess.run([sys.executable, "run.py", name], cwd=folder, env=_env(),
                              capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        runs.append(json.loads(done.stdout))
    return runs


def test_every_form_gives_the_same_study_in_two_processes(api_runs):
    first, second = api_runs
    # the instance really holds other weights in each process: its weights are redrawn
    assert first.pop("weight") != second.pop("weight")
    # ... so study.json describes it by its architecture: a resume in a new process is accepted
    assert first.pop("described") == second.pop("described")
    for name in FORMS:
        assert set(first[name]) == {f"{m}__f{f}__standard__s0" for m, f in [
            ("full", 1), ("easycore", 0.3), ("random", 0.3), ("matched_random", 0.3)]}
        assert first[name] == second[name], name


def test_the_command_line_gives_the_api_study_for_every_form(folder, api_runs):
    from sk_easycore.results import StudyStore

    for name in FORMS:
        done = subprocess.run(
            [sys.executable, "-m", "sk_easycore.experiments.cli", "study", "--data", "wine.npz",
             "--model", f"forms:{name}", "--out", f"cli/{name}", *CLI_SETTINGS],
            cwd=folder, env=_env(), capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr
        assert _records(StudyStore(folder / "cli" / name).load_cells()) == api_runs[0][name]


def test_jobs_and_dask_give_the_api_study_for_every_form(folder, api_runs, monkeypatch):
    import cloudpickle
    import distributed

    # n_jobs=2 gives each worker cpu_count // 2 torch threads: one, as in the runs compared
    # with, whatever this machine's cores (another thread count changes the last bits)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    sys.path.insert(0, str(folder))
    environ = dict(os.environ)
    try:
        import forms

        cloudpickle.register_pickle_by_value(forms)  # as the CLI does for --model
        for name in FORMS:
            result = run_study(folder / "jobs" / name, str(folder / "wine.npz"),
                               net=getattr(forms, name), verbose=0, n_jobs=2, **SETTINGS)
            assert _records(result.records) == api_runs[0][name], name
            assert {r.environment["torch_threads"] for r in result.records} == {1}
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      host="127.0.0.1", dashboard_address=None) as cluster:
            for name in FORMS:
                result = run_study(folder / "dask" / name, str(folder / "wine.npz"),
                                   net=getattr(forms, name), verbose=0,
                                   dask_scheduler=cluster.scheduler_address, **SETTINGS)
                assert _records(result.records) == api_runs[0][name], name
    finally:
        sys.path.remove(str(folder))
        forms = sys.modules.pop("forms", None)
        if forms is not None:
            cloudpickle.unregister_pickle_by_value(forms)
        # Dask's nannies write OMP/MKL/OPENBLAS_NUM_THREADS=1 into this process's environment
        os.environ.clear()
        os.environ.update(environ)


def test_cells_and_study_json_record_what_the_numbers_depend_on(folder, tmp_path):
    import torch

    from sk_easycore.results import StudyStore

    data = str(folder / "wine.npz")
    settings = dict(SETTINGS, methods=["random"], epochs=1, verbose=0)
    result = run_study(tmp_path, data, **settings)
    store = StudyStore(tmp_path)
    first = store.load_config()["environment"]
    assert first["torch_threads"] == torch.get_num_threads() == 1  # conftest
    assert first["cpu_capability"] == torch.backends.cpu.get_cpu_capability()
    assert first["device"] == "cpu" or first["device"].startswith("cuda")
    assert first["versions"]["torch"] and first["versions"]["sk_easycore"]
    for record in result.records:
        assert record.environment["torch_threads"] == 1
        assert record.environment["cpu_capability"] == first["cpu_capability"]
        assert record.environment["versions"] == record.versions
    # a resume under other conditions is not refused: it says so in the log
    (tmp_path / "cells" / f"{result.records[0].key}.json").unlink()
    torch.set_num_threads(2)
    try:
        run_study(tmp_path, data, **settings)
    finally:
        torch.set_num_threads(1)
    assert store.load_config()["environment"] == first  # the first run's, kept
    log = (tmp_path / "study.log").read_text()
    assert "environment differs from the first run's" in log
    assert "torch_threads: 1 (folder) != 2 (now)" in log
    threads = sorted(r.environment["torch_threads"] for r in store.load_cells())
    assert threads == [1, 2]
