"""Batch augmentation on the device: what crop-and-flip does, and where it never acts."""

import pickle

import numpy as np
import pytest
import torch

from sk_easycore.data import DeviceLoader, LabeledDataset, random_crop_flip
from sk_easycore.models import make_default_net
from sk_easycore.utils import torch_seed


def test_crop_flip_is_a_padded_shift_then_maybe_a_flip():
    x = torch.rand(64, 3, 8, 8)
    with torch_seed(0):
        out = random_crop_flip(x, padding=2)
    assert out.shape == x.shape and not torch.equal(out, x)
    padded = torch.nn.functional.pad(x, (2, 2, 2, 2))
    for i in range(len(x)):  # every output is one of the 5 x 5 x 2 allowed views of its input
        views = [padded[i, :, r:r + 8, c:c + 8] for r in range(5) for c in range(5)]
        views += [v.flip(-1) for v in views]
        assert any(torch.equal(out[i], v) for v in views)
    with torch_seed(0):
        again = random_crop_flip(x, padding=2)
    assert torch.equal(out, again)  # seeded: the same augmentation


def test_crop_flip_needs_images():
    with pytest.raises(ValueError, match="augments images"):
        random_crop_flip(torch.zeros(4, 10))


def test_loader_augments_training_batches_only(digits_small):
    X, y = digits_small
    loader = DeviceLoader(LabeledDataset(X, y, with_index=True), augment="crop_flip",
                              batch_size=50)
    x, labels, index = next(iter(loader))
    assert x.shape == (50, 1, 8, 8) and index.tolist() == list(range(50))
    assert not torch.equal(x, torch.as_tensor(X[:50]))
    with pytest.raises(ValueError, match="augment must be one of"):
        DeviceLoader(LabeledDataset(X, y), augment="mixup")


def test_a_net_with_augmentation_predicts_without_it(digits_small):
    X, y = digits_small
    with torch_seed(0):
        net = make_default_net(X.shape, 10, max_epochs=2, augment="crop_flip").fit(X, y)
    plain = make_default_net(X.shape, 10, max_epochs=2)
    assert net.iterator_train__augment == "crop_flip" and plain.iterator_train__augment == "none"
    # evaluation never augments: predictions are deterministic
    np.testing.assert_array_equal(net.predict_proba(X[:20]), net.predict_proba(X[:20]))
    pickle.loads(pickle.dumps(net))
