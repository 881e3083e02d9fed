"""DeviceLoader gives a DataLoader's batches, from whole arrays, with a DataLoader's random draws."""

import warnings

import numpy as np
import pytest
import torch
from skorch.dataset import Dataset as SkorchDataset
from torch.utils.data import DataLoader, Dataset, TensorDataset

from sk_easycore.data import DeviceLoader, LabeledDataset
from sk_easycore.models import make_default_net


class ItemDataset(Dataset):
    """A user's map-style dataset: no arrays to gather from."""

    def __init__(self, X, y):
        self.X, self.y = X, y

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        return self.X[i], self.y[i]


def _data(n=37):
    rng = np.random.default_rng(0)
    return rng.random((n, 1, 4, 4), dtype=np.float32), rng.integers(0, 3, n)


def _datasets():
    X, y = _data()
    return {
        "skorch": SkorchDataset(X, y),
        "skorch_no_y": SkorchDataset(X, None),
        "skorch_tensor": SkorchDataset(torch.as_tensor(X), torch.as_tensor(y)),
        "labeled": LabeledDataset(X, y),
        "labeled_index": LabeledDataset(X, y, with_index=True),
        "tensor": TensorDataset(torch.as_tensor(X), torch.as_tensor(y)),
        "items": ItemDataset(X, y),
    }


def _epochs(loader_class, dataset, **kwargs):
    torch.manual_seed(3)
    epochs = [[[t.clone() for t in batch] for batch in loader_class(dataset, **kwargs)]
              for _ in range(2)]
    return epochs, torch.get_rng_state()


@pytest.mark.parametrize("name", list(_datasets()))
@pytest.mark.parametrize("kwargs", [dict(batch_size=8, shuffle=True),
                                    dict(batch_size=10, shuffle=False, drop_last=True)])
def test_batches_and_random_draws_are_a_dataloaders(name, kwargs):
    dataset = _datasets()[name]
    expected, expected_rng = _epochs(DataLoader, dataset, **kwargs)
    got, got_rng = _epochs(DeviceLoader, dataset, **kwargs)
    assert torch.equal(got_rng, expected_rng)  # the same draws from torch's generator
    assert len(got) == len(expected)
    for epoch, expected_epoch in zip(got, expected):
        assert len(epoch) == len(expected_epoch)
        for batch, expected_batch in zip(epoch, expected_epoch):
            assert len(batch) == len(expected_batch)
            for a, b in zip(batch, expected_batch):
                assert a.dtype == b.dtype and torch.equal(a, b)


def test_array_datasets_are_gathered_not_read_item_by_item():
    X, y = _data()
    calls = []

    class Counting(LabeledDataset):
        def __getitem__(self, i):
            calls.append(i)
            return super().__getitem__(i)

    list(DeviceLoader(SkorchDataset(X, y), batch_size=8))
    list(DeviceLoader(LabeledDataset(X, y), batch_size=8))
    assert not calls
    list(DeviceLoader(Counting(X, y), batch_size=8))  # a subclass may change its items: read
    assert len(calls) == len(X)


def test_a_read_only_memmap_is_gathered_without_a_copy_or_warning(tmp_path):
    X, y = _data()
    np.save(tmp_path / "X.npy", X)
    mapped = np.load(tmp_path / "X.npy", mmap_mode="r")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch warns on non-writable arrays it would wrap
        batches = list(DeviceLoader(SkorchDataset(mapped, y), batch_size=16))
    assert torch.equal(torch.cat([b[0] for b in batches]), torch.as_tensor(X))


def test_training_through_it_is_bit_identical_to_a_dataloader(digits_small):
    X, y = digits_small
    params = []
    for loader in (DeviceLoader, DataLoader):
        net = make_default_net(X.shape, 10, max_epochs=3)
        if loader is DataLoader:
            net.set_params(iterator_train=DataLoader)
            del net.iterator_train__augment, net.iterator_train__device
        torch.manual_seed(0)
        net.fit(X, y)
        params.append([p.detach().clone() for p in net.module_.parameters()])
    assert all(torch.equal(a, b) for a, b in zip(*params))


def test_unknown_augmentation_is_refused():
    with pytest.raises(ValueError, match="augment must be one of"):
        DeviceLoader(TensorDataset(torch.zeros(2, 1)), augment="mixup")
