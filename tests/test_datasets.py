"""Tests for sk_easycore.datasets: digits, the synthetic 2D problem, local CIFAR folders."""

import os
import pickle
import re

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

from sk_easycore.datasets import (
    load_cifar10,
    load_cifar100,
    load_digits_images,
    make_synthetic_2d,
)

# ---------------------------------------------------------------- fake CIFAR folders


def _images(n, seed):
    """Random uint8 images (n, 3, 32, 32); image 0 is black but for one green pixel."""
    images = np.random.RandomState(seed).randint(0, 256, size=(n, 3, 32, 32)).astype(np.uint8)
    images[0] = 0
    images[0, 1, 3, 30] = 255  # channel 1 (green), row 3, column 30
    return images


def _write(path, entry):
    # protocol 2 with bytes keys, like the official files read back in python 3
    with open(path, "wb") as f:
        pickle.dump(entry, f, protocol=2)


def _batch(images, **labels):
    entry = {b"data": images.reshape(len(images), 3072)}
    entry.update({key.encode(): list(map(int, value)) for key, value in labels.items()})
    return entry


@pytest.fixture
def cifar10_root(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    train = []
    for i in range(1, 6):
        images, labels = _images(4, seed=i), (np.arange(4) + 2 * i) % 10
        _write(folder / f"data_batch_{i}", _batch(images, labels=labels))
        train.append((images, labels))
    test_images = _images(3, seed=0)
    _write(folder / "test_batch", _batch(test_images, labels=[9, 0, 5]))
    _write(folder / "batches.meta", {b"label_names": [b"c%d" % i for i in range(10)]})
    X_train = np.concatenate([im for im, _ in train])
    y_train = np.concatenate([lab for _, lab in train])
    return tmp_path, X_train, y_train, test_images


@pytest.fixture
def cifar100_root(tmp_path):
    folder = tmp_path / "cifar-100-python"
    folder.mkdir()
    train_images, test_images = _images(6, seed=1), _images(2, seed=2)
    fine, coarse = np.array([0, 99, 50, 7, 3, 1]), np.array([0, 19, 10, 1, 2, 3])
    _write(folder / "train", _batch(train_images, fine_labels=fine, coarse_labels=coarse))
    _write(folder / "test", _batch(test_images, fine_labels=[4, 5], coarse_labels=[6, 7]))
    _write(folder / "meta", {b"fine_label_names": [], b"coarse_label_names": []})
    return tmp_path, train_images, fine, coarse


@pytest.mark.parametrize("nested", [False, True], ids=["parent", "folder"])
def test_load_cifar10_train(cifar10_root, nested):
    root, images, labels, _ = cifar10_root
    X, y = load_cifar10(root / "cifar-10-batches-py" if nested else str(root))
    assert X.shape == (20, 3, 32, 32) and X.dtype == np.float32
    assert y.dtype == np.int64
    np.testing.assert_array_equal(y, labels)
    assert X.min() >= 0.0 and X.max() <= 1.0
    np.testing.assert_allclose(X, images / 255.0, rtol=1e-6)
    # the known pixel comes out at [channel, row, column]
    assert X[0, 1, 3, 30] == 1.0 and X[0].sum() == 1.0


def test_load_cifar10_test_split(cifar10_root):
    root, _, _, test_images = cifar10_root
    X, y = load_cifar10(root, train=False)
    assert X.shape == (3, 3, 32, 32)
    np.testing.assert_array_equal(y, [9, 0, 5])
    np.testing.assert_allclose(X, test_images / 255.0, rtol=1e-6)


def test_load_cifar10_accepts_str_keys(tmp_path):
    # python-2 pickles come back with str keys; they must load as well
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    _write(folder / "test_batch", {"data": _images(2, 3).reshape(2, 3072), "labels": [1, 2]})
    X, y = load_cifar10(tmp_path, train=False)
    assert X.shape == (2, 3, 32, 32) and y.tolist() == [1, 2]


@pytest.mark.parametrize("label, expected", [("fine", 0), ("coarse", 1)])
@pytest.mark.parametrize("nested", [False, True], ids=["parent", "folder"])
def test_load_cifar100(cifar100_root, label, expected, nested):
    root, images, *labels = cifar100_root
    X, y = load_cifar100(root / "cifar-100-python" if nested else root, label=label)
    assert X.shape == (6, 3, 32, 32) and X.dtype == np.float32 and y.dtype == np.int64
    np.testing.assert_array_equal(y, labels[expected])
    np.testing.assert_allclose(X, images / 255.0, rtol=1e-6)
    assert X[0, 1, 3, 30] == 1.0 and X[0].sum() == 1.0
    X_test, y_test = load_cifar100(root, train=False, label=label)
    assert X_test.shape == (2, 3, 32, 32)
    assert y_test.tolist() == ([4, 5] if label == "fine" else [6, 7])


def test_cifar_missing_root(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist.*cifar-10-batches-py"):
        load_cifar10(tmp_path / "nowhere")


def test_cifar_missing_file(cifar10_root):
    root = cifar10_root[0]
    (root / "cifar-10-batches-py" / "data_batch_3").unlink()
    expected = re.escape(str(root / "cifar-10-batches-py" / "data_batch_3"))
    with pytest.raises(FileNotFoundError, match=f"{expected}.*cifar-10-python.tar.gz"):
        load_cifar10(root)


def test_cifar_empty_root_names_the_expected_folder(tmp_path):
    expected = re.escape(str(tmp_path / "cifar-100-python" / "train"))
    with pytest.raises(FileNotFoundError, match=f"Expected {expected}.*cifar-100-python.tar.gz"):
        load_cifar100(tmp_path)


@pytest.mark.parametrize(
    "content, match",
    [
        (b"not a pickle at all", "Could not unpickle"),
        (pickle.dumps([1, 2, 3], protocol=2), "not a CIFAR batch: found list"),
        (pickle.dumps({b"data": np.zeros((3, 3072), np.uint8)}, protocol=2), "b'labels'"),
        (pickle.dumps({b"data": np.zeros((3, 10), np.uint8), b"labels": [0, 0, 0]}), "shape"),
        (
            pickle.dumps({b"data": np.zeros((3, 3072), np.uint8), b"labels": [0, 10, 0]}),
            r"\[0, 10\), got values 0..10",
        ),
    ],
    ids=["garbage", "not-a-dict", "no-labels", "bad-data-shape", "label-out-of-range"],
)
def test_cifar_malformed_file(cifar10_root, content, match):
    root = cifar10_root[0]
    (root / "cifar-10-batches-py" / "test_batch").write_bytes(content)
    with pytest.raises(ValueError, match=match) as excinfo:
        load_cifar10(root, train=False)
    assert "test_batch" in str(excinfo.value)


class _Payload:
    """A pickle that runs ``call(*args)`` when loaded."""

    def __init__(self, call, *args):
        self.call, self.args = call, args

    def __reduce__(self):
        return self.call, self.args


@pytest.mark.parametrize("where", ["whole-file", "inside-the-labels"])
@pytest.mark.parametrize("how", ["os.system", "open"])
def test_cifar_pickle_payload_never_runs(cifar10_root, tmp_path, where, how):
    root = cifar10_root[0]
    marker = tmp_path / "payload-ran"
    payload = (_Payload(os.system, f"touch {marker}") if how == "os.system"
               else _Payload(open, str(marker), "w"))
    entry = payload if where == "whole-file" else {
        b"data": np.zeros((2, 3072), np.uint8), b"labels": [0, payload]}
    path = root / "cifar-10-batches-py" / "data_batch_1"
    path.write_bytes(pickle.dumps(entry, protocol=2))
    with pytest.raises(ValueError, match=re.escape(str(path)) + ".*refusing") as excinfo:
        load_cifar10(root)
    assert not marker.exists()
    assert ("posix.system" if how == "os.system" else "io.open") in str(excinfo.value)


def test_cifar_reads_numpy_1_and_protocol_5_pickles(cifar10_root):
    # the official files name numpy.core.multiarray (numpy 1.x); numpy 2 writes numpy._core
    root = cifar10_root[0]
    images = _images(2, seed=7)
    old = pickle.dumps(_batch(images, labels=[3, 4]), protocol=2)
    assert b"numpy._core.multiarray" in old
    (root / "cifar-10-batches-py" / "test_batch").write_bytes(
        old.replace(b"numpy._core.multiarray", b"numpy.core.multiarray"))
    X, y = load_cifar10(root, train=False)
    np.testing.assert_allclose(X, images / 255.0, rtol=1e-6)
    (root / "cifar-10-batches-py" / "test_batch").write_bytes(
        pickle.dumps(_batch(images, labels=[3, 4]), protocol=5))
    assert load_cifar10(root, train=False)[1].tolist() == [3, 4]


def test_cifar_checksums_reject_a_fake_folder(cifar10_root):
    with pytest.raises(ValueError, match="md5.*verify_checksums=False"):
        load_cifar10(cifar10_root[0], verify_checksums=True)


def test_cifar100_rejects_bad_label(cifar100_root):
    with pytest.raises(ValueError, match="label must be 'fine' or 'coarse', got 'superclass'"):
        load_cifar100(cifar100_root[0], label="superclass")


# ---------------------------------------------------------------- digits


def test_load_digits_images():
    X, y = load_digits_images()
    assert X.shape == (1797, 1, 8, 8) and X.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    assert set(y.tolist()) == set(range(10))


def test_load_digits_images_subset_and_validation():
    X, y = load_digits_images(n_class=3)
    assert set(y.tolist()) == {0, 1, 2} and len(X) == len(y)
    with pytest.raises(ValueError, match="n_class must be an int between 1 and 10"):
        load_digits_images(n_class=11)


# ---------------------------------------------------------------- synthetic 2D


def test_make_synthetic_2d_output():
    X, y = make_synthetic_2d(1000, random_state=0)
    assert X.shape == (1000, 2) and X.dtype == np.float32 and y.dtype == np.int64
    assert X.min() >= 0.0 and X.max() <= 1.0
    assert np.bincount(y).tolist() == [334, 333, 333]
    X_clean, _ = make_synthetic_2d(300, noise=0.0, random_state=0)
    radius = np.linalg.norm(X_clean - 0.5, axis=1)
    assert radius.min() >= 0.05 - 1e-6 and radius.max() <= 0.45 + 1e-6


def test_make_synthetic_2d_is_reproducible_without_global_seeding():
    state = np.random.get_state()[1].copy()
    X1, y1 = make_synthetic_2d(200, n_classes=4, random_state=3)
    X2, y2 = make_synthetic_2d(200, n_classes=4, random_state=np.random.RandomState(3))
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, make_synthetic_2d(200, n_classes=4, random_state=4)[0])
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_make_synthetic_2d_boundaries_are_curved():
    X, y = make_synthetic_2d(900, random_state=0)
    X_test, y_test = make_synthetic_2d(900, random_state=1)
    linear = LogisticRegression().fit(X, y).score(X_test, y_test)
    local = KNeighborsClassifier(15).fit(X, y).score(X_test, y_test)
    assert linear < 0.8 and local > 0.9, (linear, local)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_samples": 2, "n_classes": 3}, r"n_samples must be an int >= n_classes \(3\)"),
        ({"n_classes": 1}, "n_classes must be an int >= 2"),
        ({"noise": -0.1}, "noise must be a float >= 0"),
    ],
)
def test_make_synthetic_2d_validation(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_synthetic_2d(**kwargs)
