"""DeviceLoader: training batches gathered from whole arrays, moved to the device once, augmented there."""

import weakref

import numpy as np
import torch
from torch.utils.data import DataLoader, TensorDataset
from torch.utils.data._utils.collate import default_collate

from ._augment import AUGMENTATIONS, augment_batch
from ._datasets import LabeledDataset, is_dataset

__all__ = ["DeviceLoader"]

# The arrays of a dataset, once per dataset and device: skorch builds a new loader every
# epoch from the same dataset object, and a cell trains from one dataset. Weak keys: the
# entry goes with the dataset.
_RESIDENT = weakref.WeakKeyDictionary()


def _columns(dataset):
    """The arrays behind an array-backed dataset's items, or None for any other dataset.

    Returns ``(columns, placeholder)``: ``columns`` are indexable along the
    first axis (an item is one row of each); ``placeholder`` says that skorch's
    Dataset without targets adds its ``torch.Tensor([0])`` to every item.
    """
    array = (np.ndarray, torch.Tensor)
    if type(dataset) is LabeledDataset:  # noqa: E721 (a subclass may change its items)
        if is_dataset(dataset.base) or dataset.targets is None:
            return None
        if not isinstance(dataset.base, array):
            return None
        columns = [dataset.base, dataset.targets]
        if dataset.with_index:
            columns.append(np.arange(len(dataset.base)))
        return columns, False
    if type(dataset) is TensorDataset:  # noqa: E721
        return list(dataset.tensors), False
    from skorch.dataset import Dataset as SkorchDataset

    # skorch's own Dataset only: a subclass may override transform()
    if type(dataset) is SkorchDataset and isinstance(dataset.X, array) and not \
            dataset.X_is_ndframe and (dataset.y is None or isinstance(dataset.y, array)):
        if dataset.y is None:
            return [dataset.X], True
        return [dataset.X, dataset.y], False
    return None


class DeviceLoader(DataLoader):
    """A DataLoader that gathers whole batches from arrays, keeps them on the device, augments there.

    The training iterator of the nets :func:`~sk_easycore.models.make_default_net`
    builds (``iterator_train=DeviceLoader, iterator_train__device=...``). For a
    dataset backed by arrays (skorch's own Dataset of an array or tensor ``X``,
    a :class:`LabeledDataset` of an array, a ``TensorDataset``), a batch is one
    indexing of each array instead of one ``__getitem__`` per sample and a
    collation, and the inputs are copied to ``device`` once per dataset
    (while they take at most ``max_resident_bytes``; a larger array is gathered
    per batch on the CPU and copied batch by batch). Any other dataset is read
    as a DataLoader reads it and each batch is moved to ``device``. Either way
    the order of the samples and the random numbers drawn are a DataLoader's
    own (same sampler, same draws from torch's generator), so training gives
    the same result as with ``torch.utils.data.DataLoader``, to the bit on the
    CPU. The inputs are then augmented on the device (``augment``); labels and
    sample indices stay on the CPU, as a DataLoader yields them.

    Parameters
    ----------
    dataset : torch.utils.data.Dataset
        The dataset, usually the one skorch builds from ``fit``'s ``X, y``.
    augment : {"none", "crop_flip"}, default="none"
        The augmentation of the training inputs (see :func:`augment_batch`).
    device : str or torch.device, default="cpu"
        Where the inputs go (the net's ``device``).
    max_resident_bytes : int, default=2**31
        The largest input array kept on a non-CPU device (on the CPU the array
        is used where it is, never copied).
    **kwargs
        DataLoader's own arguments (``batch_size``, ``shuffle``, ...). Workers,
        a ``collate_fn`` or ``batch_size=None`` make it read as a DataLoader.

    Attributes
    ----------
    augment : str
        The augmentation.
    device : str or torch.device
        Where batches go.
    max_resident_bytes : int
        The cap on a device-resident input array.

    Examples
    --------
    >>> ds = TensorDataset(torch.rand(6, 3, 8, 8), torch.arange(6))
    >>> [(tuple(x.shape), y.tolist()) for x, y in DeviceLoader(ds, batch_size=4)]
    [((4, 3, 8, 8), [0, 1, 2, 3]), ((2, 3, 8, 8), [4, 5])]
    >>> x, _ = next(iter(DeviceLoader(ds, augment="crop_flip", batch_size=6)))
    >>> x.shape
    torch.Size([6, 3, 8, 8])
    """

    def __init__(self, dataset, *args, augment="none", device="cpu", max_resident_bytes=2**31,
                 **kwargs):
        if augment not in AUGMENTATIONS:
            raise ValueError(f"augment must be one of {AUGMENTATIONS}; got {augment!r}.")
        self.augment = augment
        self.device = device
        self.max_resident_bytes = max_resident_bytes
        super().__init__(dataset, *args, **kwargs)

    def _gathered(self):
        if self.num_workers > 0 or self.batch_sampler is None or \
                self.collate_fn is not default_collate:
            return None
        found = _columns(self.dataset)
        if found is None:
            return None
        columns, placeholder = found
        device = torch.device(self.device)
        per_device = _RESIDENT.setdefault(self.dataset, {})
        if device not in per_device:
            prepared = [torch.as_tensor(np.asarray(c)) if isinstance(c, np.ndarray) and
                        c.flags.writeable else c for c in columns]
            X = prepared[0]
            if device.type != "cpu" and isinstance(X, torch.Tensor) and \
                    X.element_size() * X.nelement() <= self.max_resident_bytes:
                prepared[0] = X.to(device)
            per_device[device] = prepared
        return per_device[device], placeholder

    def _move(self, x):
        return augment_batch(torch.as_tensor(x).to(self.device), self.augment)

    def __iter__(self):
        gathered = self._gathered()
        if gathered is None:
            for batch in super().__iter__():
                x = self._move(batch[0])
                yield (x, *batch[1:]) if isinstance(batch, tuple) else [x, *batch[1:]]
            return
        columns, placeholder = gathered
        # the draw a DataLoader's iterator makes (its workers' base seed) before sampling
        torch.empty((), dtype=torch.int64).random_(generator=self.generator)
        for indices in self.batch_sampler:
            index = torch.as_tensor(indices, dtype=torch.int64)
            batch = [self._move(self._take(columns[0], index))]
            batch += [self._take(c, index) for c in columns[1:]]
            if placeholder:
                batch.append(torch.zeros(len(indices), 1))
            yield batch

    @staticmethod
    def _take(column, index):
        if isinstance(column, torch.Tensor):  # index_select: half the time of column[index]
            return torch.index_select(column, 0, index.to(column.device))
        return torch.as_tensor(column.take(index.numpy(), axis=0))
