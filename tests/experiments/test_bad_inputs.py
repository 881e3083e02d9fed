"""Bad networks, files and scorer keywords: one clear error naming them, before any training."""

import re
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest
import torch
from skorch import NeuralNetClassifier

from sk_easycore.experiments import run_study, study_config
from sk_easycore.robustness import make_robust_scorer

RNG = np.random.default_rng(0)
ARRAYS = (RNG.normal(size=(60, 4)).astype(np.float32), np.arange(60) % 10,
          RNG.normal(size=(20, 4)).astype(np.float32), np.arange(20) % 10)
STUDY = dict(methods=["random"], fractions=[0.5], seeds=1, attacks=["fgsm"], eps=[0.1],
             frontier=(), verbose=0)


def _net(n_outputs, n_inputs=4, **params):
    return NeuralNetClassifier(torch.nn.Linear, module__in_features=n_inputs,
                               module__out_features=n_outputs,
                               criterion=torch.nn.CrossEntropyLoss, max_epochs=1, verbose=0,
                               **params)


def returns_a_str(n_classes, X_example):
    return "mlp"


def returns_logistic_regression(n_classes, X_example):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression()


def returns_a_bare_module(n_classes, X_example):
    return torch.nn.Linear(X_example.shape[1], n_classes)


def returns_three_outputs(n_classes, X_example):
    return _net(3)


def raises_inside(n_classes, X_example):
    raise KeyError("hidden")


@pytest.mark.parametrize("factory, message", [
    (returns_a_str, "the net factory .*returns_a_str returned a str \\('mlp'\\); it must "
                    "return a skorch NeuralNetClassifier"),
    (returns_logistic_regression, "returns_logistic_regression returned a LogisticRegression "
                                  "\\(sklearn\\); it must return a skorch"),
    (returns_a_bare_module, "returns_a_bare_module returned a Linear \\(torch\\).*\\.\\.\\.\\), "
                            "with your Linear as its module\\.$"),
    (returns_three_outputs, "returns_three_outputs: the network gives outputs of shape \\(3,\\) "
                            "per row, but the data has 10 classes: its last layer must have "
                            "10 outputs"),
    (_net(3), "net=NeuralNetClassifier: the network gives outputs of shape \\(3,\\)"),
    (raises_inside, "raises_inside failed when called as net\\(n_classes=10, X_example of "
                    "shape \\(60, 4\\)\\): KeyError"),
], ids=["str", "logistic-regression", "bare-linear", "3-of-10-outputs", "net-3-of-10",
        "factory-raises"])
def test_a_wrong_network_is_refused_before_anything_is_written(tmp_path, factory, message):
    state = torch.get_rng_state()
    with pytest.raises((TypeError, ValueError), match=message) as excinfo:
        run_study(tmp_path / "out", ARRAYS, net=factory, **STUDY)
    assert "\n" not in str(excinfo.value)
    assert not (tmp_path / "out").exists()  # no study.json to block the corrected command
    assert torch.equal(torch.get_rng_state(), state)  # checking drew nothing


def test_a_right_network_passes_the_check():
    settings = {k: v for k, v in STUDY.items() if k != "verbose"}
    config = study_config(ARRAYS, net=lambda n_classes, X: _net(n_classes), **settings)
    assert config.recipe.epochs == 1


def _npz(tmp_path, name="data.npz", **arrays):
    path = tmp_path / name
    np.savez(path, **{**dict(zip(("X_train", "y_train", "X_test", "y_test"), ARRAYS)),
                      **arrays})
    return path


def _truncated(tmp_path):
    path = _npz(tmp_path)
    content = path.read_bytes()
    path.write_bytes(content[:len(content) // 2])
    return path


def _member_damaged(tmp_path):
    path = _npz(tmp_path)  # intact directory, one member's bytes flipped
    content = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("X_train.npy")
    start = info.header_offset + 30 + len(info.filename) + 200
    content[start:start + 16] = bytes(16)
    path.write_bytes(bytes(content))
    return path


def _text(tmp_path):
    path = tmp_path / "data.npz"
    path.write_text("X_train,y_train\n1,2\n")
    return path


def _npy(tmp_path):
    path = tmp_path / "data.npz"
    with open(path, "wb") as f:
        np.save(f, ARRAYS[0])
    return path


def _objects(tmp_path):
    return _npz(tmp_path, y_train=np.array(list(ARRAYS[1]), dtype=object))


@pytest.mark.parametrize("make, message", [
    (_truncated, "data.npz is a damaged .npz archive \\(BadZipFile"),
    (_member_damaged, "data.npz: the array 'X_train' is damaged \\(BadZipFile: Bad CRC"),
    (_text, "data.npz is not an .npz archive \\(a file starting with b'X_trai'\\)"),
    (_npy, "data.npz is not an .npz archive \\(a single .npy array\\)"),
    (_objects, "data.npz: the array 'y_train' holds Python objects \\(dtype object\\)"),
], ids=["truncated", "bad-member", "text", "npy", "object-array"])
def test_a_bad_npz_names_the_file_and_what_is_expected(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(ValueError, match=message) as excinfo:
        study_config(str(path))
    assert str(path) in str(excinfo.value) and "X_train, y_train, X_test, y_test" in \
        str(excinfo.value)
    assert "allow_pickle=True" not in str(excinfo.value)  # never numpy's unsafe advice


def test_a_damaged_image_is_named_before_anything_trains(tmp_path):
    from PIL import Image

    for split in ("train", "test"):
        for label in ("cat", "dog"):
            folder = tmp_path / "images" / split / label
            folder.mkdir(parents=True)
            for i in range(3):
                Image.fromarray(RNG.integers(0, 255, (8, 8, 3), dtype=np.uint8)).save(
                    folder / f"{i}.png")
    broken = tmp_path / "images" / "train" / "dog" / "2.png"
    broken.write_bytes(broken.read_bytes()[:60])
    with pytest.raises(ValueError, match=re.escape(str(broken)) + " is not a readable image"):
        run_study(tmp_path / "out", f"imagefolder:{tmp_path / 'images'}", **STUDY)
    assert not (tmp_path / "out").exists()


def test_a_misspelled_scorer_keyword_is_refused_naming_the_allowed_ones():
    with pytest.raises(TypeError, match="attack='pgd'\\) got unknown keyword argument\\(s\\) "
                                        "epsilon; allowed: .*num_random_init.*random_state"):
        make_robust_scorer("pgd", epsilon=0.1)
    with pytest.raises(TypeError, match="unknown keyword argument\\(s\\) max_queries; allowed: "
                                        ".*attacks"):
        make_robust_scorer("autoattack", max_queries=10)
    # the keywords it names are the ones the attack takes
    assert "num_random_init=2" in repr(make_robust_scorer("pgd", eps=0.1, num_random_init=2))


def test_a_misspelled_keyword_no_longer_makes_a_search_score_nan(digits):
    from sklearn.model_selection import GridSearchCV

    X, y = digits[0][:120].reshape(120, -1), digits[1][:120]
    search = GridSearchCV(_net(10, n_inputs=64, train_split=None),
                          {"lr": [0.05, 0.1]}, cv=2,
                          scoring=make_robust_scorer("fgsm", eps=0.05, num_random_init=0))
    assert np.isfinite(search.fit(X, y).cv_results_["mean_test_score"]).all()


MODULE = textwrap.dedent('''
    def make_net(n_classes, X_example):
        return "mlp"
''')


def test_the_cli_says_what_model_does_and_refuses_a_wrong_factory(tmp_path):
    (tmp_path / "badmod.py").write_text(MODULE)
    np.savez(tmp_path / "d.npz", **dict(zip(("X_train", "y_train", "X_test", "y_test"), ARRAYS)))
    command = [sys.executable, "-m", "sk_easycore.experiments.cli", "study"]
    done = subprocess.run([*command, "--help"], capture_output=True, text=True, timeout=120)
    assert "imported and runs" in " ".join(done.stdout.split())
    done = subprocess.run([*command, "--data", "d.npz", "--model", "badmod:make_net",
                           "--out", "out", "--quiet"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        "sk-easycore: error: the net factory badmod:make_net returned a str ('mlp'); it must "
        "return a skorch NeuralNetClassifier, e.g. NeuralNetClassifier(module, "
        "criterion=torch.nn.CrossEntropyLoss, ...)."]
    assert not (tmp_path / "out").exists()
