"""Training batches for ART's adversarial trainers: arrays or a dataset, augmented on the device.

Numpy batches for ART's own trainers, or tensors that stay on the device for
the TRADES trainer of ``_trades_trainer``.
"""

import functools

import numpy as np
import torch

from ..data import LabeledDataset, augment_batch, is_dataset

__all__ = ["batch_generator", "epoch_order"]


def epoch_order(n, *, consumed_by_trainer):
    """The row order of one epoch: ``np.random.shuffle(np.arange(n))``, as ART's ``fit`` draws it.

    ART's ``AdversarialTrainer.fit_generator`` itself shuffles an index of the
    same size at the start of every epoch (it uses it only for precomputed
    examples); with ``consumed_by_trainer`` the permutation is drawn on a copy
    of numpy's state, so that the trainer's own shuffle then draws it again and
    the batches follow exactly the order ART's ``fit`` would have used. The
    TRADES trainer's ``fit_generator`` draws nothing: then the draw is ours.
    """
    if consumed_by_trainer:
        state = np.random.get_state()
    order = np.arange(n)
    np.random.shuffle(order)
    if consumed_by_trainer:
        np.random.set_state(state)
    return order


# Inputs copied to a non-CPU device once per fit up to this size (DeviceLoader's default cap);
# a larger array is gathered on the CPU and copied batch by batch.
_MAX_RESIDENT_BYTES = 2**31


class _DeviceBatch:
    """A batch tensor dressed for ART's ``fit_generator``, whose one use of it is ``x.copy()``.

    The batch is a fresh tensor already (gathered, augmented), so ``copy``
    returns it as is: the trainer's ``_batch_process`` then gets the tensor.
    """

    def __init__(self, tensor):
        self.tensor = tensor
        self.shape = tensor.shape

    def copy(self):
        return self.tensor


@functools.lru_cache(maxsize=None)
def _generator_class():
    from art.data_generators import DataGenerator

    class BatchGenerator(DataGenerator):
        """ART's data generator over arrays or a map-style dataset, one epoch order at a time.

        ``set_order(order)`` fixes the next epoch's rows; ``get_batch()`` returns
        ``(x, y)`` batches in that order, the inputs augmented on ``device``
        first (so that the attack perturbs the augmented image the network is
        trained on) and inside ``clip_values``: numpy arrays, or with
        ``on_device`` tensors on ``device`` (``x`` wrapped for ART's
        ``x.copy()``, see ``_DeviceBatch``), an array ``X`` copied there once.
        """

        def __init__(self, X, y, batch_size, augment, device, clip_values, on_device):
            super().__init__(size=len(y), batch_size=batch_size)
            self.X, self.y = X, np.asarray(y)
            self.augment, self.device, self.clip_values = augment, device, clip_values
            self.on_device = on_device
            self._dataset = LabeledDataset(X, self.y) if is_dataset(X) else None
            self._order, self._position = np.arange(len(y)), 0
            self._X_tensor = self._y_tensor = None
            if on_device:
                self._y_tensor = torch.tensor(self.y, device=device)
                # on the CPU numpy gathers the rows; elsewhere the array is copied over once
                if self._dataset is None and torch.device(device).type != "cpu" and \
                        X.nbytes <= _MAX_RESIDENT_BYTES:
                    self._X_tensor = torch.tensor(X, device=device)

        @property
        def iterator(self):
            return self

        def set_order(self, order):
            self._order, self._position = np.asarray(order), 0

        def _next_rows(self):
            if self._position >= len(self._order):
                self._position = 0
            rows = self._order[self._position:self._position + self.batch_size]
            self._position += self.batch_size
            return rows

        def _inputs(self, rows):
            """The batch's inputs as a tensor (on ``device`` with ``on_device``)."""
            if self._dataset is not None:
                items = [self._dataset[int(i)] for i in rows]
                return torch.from_numpy(
                    np.stack([np.asarray(item[0], dtype=np.float32) for item in items]))
            if self._X_tensor is None:
                return torch.from_numpy(self.X[rows])
            index = torch.from_numpy(rows)
            return torch.index_select(self._X_tensor, 0, index.to(self._X_tensor.device))

        def _check(self, low, high):
            if self.clip_values is not None and (low < self.clip_values[0]
                                                 or high > self.clip_values[1]):
                raise ValueError(
                    f"a training batch has values in [{low:.4g}, {high:.4g}], outside "
                    f"clip_values={self.clip_values}; pass inputs in that range (pixels in "
                    "[0, 1], normalization inside the model) or set clip_values.")

        def get_batch(self):
            rows = self._next_rows()
            augmented = self.augment not in (None, "none")
            x = self._inputs(rows)
            if augmented or self.on_device:
                x = augment_batch(x.to(self.device), self.augment)
            # fit() checked an array's range; a dataset's items and padding are checked here
            checked = self._dataset is None and not augmented
            if not self.on_device:
                x = np.ascontiguousarray(x.cpu().numpy() if augmented else x.numpy(),
                                         dtype=np.float32)
                if not checked:
                    self._check(x.min(), x.max())
                return x, self.y[rows]
            if not checked:
                low, high = torch.aminmax(x)
                self._check(float(low), float(high))
            index = torch.from_numpy(rows).to(self._y_tensor.device)
            return _DeviceBatch(x.float().contiguous()), self._y_tensor[index]

    return BatchGenerator


def batch_generator(X, y, batch_size, *, augment="none", device="cpu", clip_values=None,
                    on_device=False):
    """An ART ``DataGenerator`` of ``(x, y)`` batches over arrays or a dataset.

    Parameters
    ----------
    X : ndarray or torch.utils.data.Dataset
    y : ndarray of shape (n_samples,)
        Encoded labels.
    batch_size : int
    augment : {"none", "crop_flip"}, default="none"
    device : str or torch.device, default="cpu"
        Where batches are augmented.
    clip_values : tuple or None, default=None
        Every batch must lie inside.
    on_device : bool, default=False
        Batches as tensors on ``device`` (for the trainer of
        :func:`~sk_easycore.robustness._trades_trainer.device_trades_trainer`)
        instead of numpy arrays (ART's own trainers).

    Returns
    -------
    generator : art.data_generators.DataGenerator
        With ``set_order(order)`` to fix the next epoch's rows.

    Examples
    --------
    >>> gen = batch_generator(np.zeros((5, 2), np.float32), np.array([0, 1, 0, 1, 0]), 2)
    >>> gen.set_order([4, 3, 2, 1, 0])
    >>> [gen.get_batch()[1].tolist() for _ in range(3)]
    [[0, 1], [0, 1], [0]]
    """
    # ART refuses a batch larger than the data; its fit() then trains one batch of all rows
    batch_size = min(int(batch_size), len(y))
    return _generator_class()(X, y, batch_size, augment, device, clip_values, on_device)
