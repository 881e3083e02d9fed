"""A study on the user's own data and network: arrays, .npz, Datasets, ImageFolder, factories.

The breast-cancer check of the issue: the same study from the Python API and from the
command line (``--data file.npz --model mymod:make_net``), serial, ``--n-jobs 2`` and on
a local Dask cluster with a relative ``--out``, gives identical metrics.
"""

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

from sk_easycore.experiments import (register_dataset, run_study, study_config,
                                     unregister_dataset)

MYMOD = textwrap.dedent('''
    import torch
    from skorch import NeuralNetClassifier


    class MLP(torch.nn.Module):
        def __init__(self, n_features=30, n_classes=2, hidden=16):
            super().__init__()
            self.body = torch.nn.Sequential(torch.nn.Linear(n_features, hidden),
                                            torch.nn.ReLU(), torch.nn.Linear(hidden, n_classes))

        def forward(self, X):
            return self.body(X)


    def make_net(n_classes, X_example):
        return NeuralNetClassifier(MLP, module__n_features=X_example.shape[1],
                                   module__n_classes=n_classes,
                                   criterion=torch.nn.CrossEntropyLoss,
                                   optimizer=torch.optim.Adam, lr=1e-2, max_epochs=3,
                                   batch_size=32, iterator_train__shuffle=True, verbose=0)
''')
SETTINGS = ["--methods", "easycore,random", "--fractions", "0.3", "--seeds", "2",
            "--attacks", "fgsm", "--eps", "0.1", "--frontier", "none", "--quiet"]


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    folder = tmp_path_factory.mktemp("own")
    (folder / "mymod.py").write_text(MYMOD)
    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y,
                                                        random_state=0)
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)  # float64, as users have it
    np.savez(folder / "bc.npz", X_train=(X_train - mean) / std, y_train=y_train,
             X_test=(X_test - mean) / std, y_test=y_test)
    return folder


def _cli(folder, out, *extra):
    done = subprocess.run(
        [sys.executable, "-m", "sk_easycore.experiments.cli", "study", "--data", "bc.npz",
         "--model", "mymod:make_net", "--out", out, *SETTINGS, *extra],
        cwd=folder, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert done.stderr == "", done.stderr  # --quiet: nothing but errors on the terminal
    return done.stdout


def _metrics(folder):
    from sk_easycore.results import StudyStore

    return {r.key: r.metrics for r in StudyStore(folder).load_cells()}


def test_the_same_study_from_the_api_the_cli_jobs_and_dask(own):
    import distributed

    sys.path.insert(0, str(own))
    try:
        import mymod

        api = run_study(own / "api", str(own / "bc.npz"), net=mymod.make_net, verbose=0,
                        methods=["easycore", "random"], fractions=[0.3], seeds=2,
                        attacks=["fgsm"], eps=[0.1], frontier=())
    finally:
        sys.path.remove(str(own))
    expected = {r.key: r.metrics for r in api.records}
    assert len(expected) == 8 and api.records[0].config["net"] == "factory mymod:make_net"
    _cli(own, "serial")
    _cli(own, "jobs", "--n-jobs", "2")
    environ = dict(os.environ)
    try:
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      host="127.0.0.1", dashboard_address=None) as cluster:
            _cli(own, "dask_relative", "--dask-scheduler", cluster.scheduler_address)
    finally:
        # Dask's nannies write OMP/MKL/OPENBLAS_NUM_THREADS=1 into this process's
        # environment ("pre-spawn-environ"), which later subprocesses would inherit
        os.environ.clear()
        os.environ.update(environ)
    for name in ("serial", "jobs", "dask_relative"):
        assert _metrics(own / name) == expected, name
    assert not (own / "proxies").exists()  # nothing trained in a worker's own folder


def test_changed_data_is_refused_naming_the_hash(own, tmp_path):
    data = np.load(own / "bc.npz")
    arrays = (data["X_train"], data["y_train"], data["X_test"], data["y_test"])
    settings = dict(methods=["random"], fractions=[0.3], seeds=1, attacks=["fgsm"], eps=[0.1],
                    epochs=1, frontier=(), verbose=0)
    run_study(tmp_path, arrays, **settings)
    changed = (arrays[0][:, ::-1].copy(), *arrays[1:])
    with pytest.raises(ValueError, match="different study") as error:
        run_study(tmp_path, changed, **settings)
    assert [line.split(":")[0].strip() for line in str(error.value).splitlines()
            if "!=" in line] == ["data_hash"]


def test_arrays_get_a_recipe_by_their_shape(own):
    data = np.load(own / "bc.npz")
    config = study_config((data["X_train"], data["y_train"], data["X_test"], data["y_test"]))
    recipe = config.recipe
    assert config.data == "arrays" and recipe.model == "small_mlp" and recipe.standardize
    assert recipe.clip_values is None  # standardized columns are not pixels
    assert recipe.eps == pytest.approx((0.05, 0.1, 0.2), rel=0.01)  # median column std is 1


def test_unknown_dataset_names_are_errors_and_registered_ones_work(tmp_path):
    with pytest.raises(ValueError, match="unknown dataset 'mnist'"):
        study_config("mnist")
    register_dataset("tiny_spirals", _tiny_spirals)
    try:
        result = run_study(tmp_path, "tiny_spirals", verbose=0, methods=["random"],
                           fractions=[0.5], seeds=1, attacks=["fgsm"], epochs=1, frontier=())
        assert {r.config["data"] for r in result.records} == {"tiny_spirals"}
    finally:
        unregister_dataset("tiny_spirals")


def _tiny_spirals(data_root):
    from sk_easycore.datasets import make_synthetic_2d

    X, y = make_synthetic_2d(300, random_state=0)
    return X[:200], y[:200], X[200:], y[200:]


class _Images(torch.utils.data.Dataset):
    """A map-style dataset of (image, label) items, with the targets attribute torchvision has."""

    def __init__(self, X, y):
        self.X, self.targets = torch.as_tensor(X), list(map(int, y))

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, i):
        return self.X[i], self.targets[i]


def test_torch_datasets_run_every_regime_without_being_materialised(digits, tmp_path):
    X, y = digits
    train, test = _Images(X[:300], y[:300]), _Images(X[1500:1600], y[1500:1600])
    result = run_study(tmp_path, (train, test), verbose=0, methods=["easycore", "random"],
                       fractions=[0.3], seeds=1, regimes=["standard", "trades"],
                       attacks=["fgsm"], epochs=1, proxy_epochs=1, train_max_iter=2,
                       eps=[0.05], frontier=())
    assert len(result.records) == 8 and result.records[0].config["data"] == "datasets"
    arrays = run_study(tmp_path / "arrays", (X[:300], y[:300], X[1500:1600], y[1500:1600]),
                       verbose=0, methods=["easycore", "random"], fractions=[0.3], seeds=1,
                       regimes=["standard", "trades"], attacks=["fgsm"], epochs=1,
                       proxy_epochs=1, train_max_iter=2, eps=[0.05], frontier=())
    # a dataset and its arrays select the same coresets
    by_key = {r.key: r for r in arrays.records}
    for record in result.records:
        assert record.sample_indices == by_key[record.key].sample_indices


def test_an_image_folder_and_an_npz_file(tmp_path):
    from PIL import Image

    rng = np.random.default_rng(0)
    for split, n in (("train", 12), ("test", 4)):
        for label in ("cat", "dog"):
            folder = tmp_path / "images" / split / label
            folder.mkdir(parents=True)
            for i in range(n):
                pixels = rng.integers(0, 255, (8, 8, 3), dtype=np.uint8)
                pixels[..., 0] = 255 if label == "cat" else 0
                Image.fromarray(pixels).save(folder / f"{i}.png")
    result = run_study(tmp_path / "study", f"imagefolder:{tmp_path / 'images'}", verbose=0,
                       methods=["random"], fractions=[0.5], seeds=1, attacks=["fgsm"],
                       epochs=2, eps=[0.05], frontier=())
    counts = {r.method: r.class_counts for r in result.records}
    assert counts == {"full": {"0": 12, "1": 12}, "random": {"0": 6, "1": 6}}
    assert result.records[0].config["data"] == "imagefolder:images"  # a name, not a path
    with pytest.raises(FileNotFoundError, match="needs the folders"):
        study_config(f"imagefolder:{tmp_path}")
    np.savez(tmp_path / "bad.npz", X_train=np.zeros((4, 2)))
    with pytest.raises(ValueError, match="lacks the arrays \\['y_train', 'X_test', 'y_test'\\]"):
        study_config(str(tmp_path / "bad.npz"))


def _fake_cifar(root, rng, per_batch=12, n_test=20):
    import pickle

    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    for name in names:
        n = n_test if name == "test_batch" else per_batch
        labels = [i % 10 for i in range(n)]
        data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        with open(folder / name, "wb") as f:
            pickle.dump({b"data": data, b"labels": labels}, f)
    with open(folder / "batches.meta", "wb") as f:
        pickle.dump({b"label_names": [str(i).encode() for i in range(10)]}, f)


def test_the_cifar_path_trains_with_augmentation_and_records_it(tmp_path):
    _fake_cifar(tmp_path / "data", np.random.default_rng(0))
    result = run_study(tmp_path / "study", "cifar10", data_root=tmp_path / "data", verbose=0,
                       methods=["random"], fractions=[0.5], seeds=1,
                       regimes=["standard", "trades"], attacks=["fgsm"], eps=[8 / 255],
                       model="small_cnn", epochs=1, proxy_epochs=1, batch_size=20,
                       train_max_iter=2, frontier=())
    assert len(result.records) == 4
    for record in result.records:
        assert record.config["recipe"]["augment"] == "crop_flip"
        assert record.config["data"] == "cifar10"
        assert record.n_train == (60 if record.method == "full" else 34)  # 50% of each class
