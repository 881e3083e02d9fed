"""Training batches for ART's adversarial trainers: arrays or a dataset, augmented on the device."""

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


@functools.lru_cache(maxsize=None)
def _generator_class():
    from art.data_generators import DataGenerator

    class BatchGenerator(DataGenerator):
        """ART's data generator over arrays or a map-style dataset, one epoch order at a time.

        ``set_order(order)`` fixes the next epoch's rows; ``get_batch()`` returns
        ``(x, y)`` numpy batches in that order, the inputs augmented on
        ``device`` first (so that the attack perturbs the augmented image the
        network is trained on) and checked inside ``clip_values``.
        """

        def __init__(self, X, y, batch_size, augment, device, clip_values):
            super().__init__(size=len(y), batch_size=batch_size)
            self.X, self.y = X, np.asarray(y)
            self.augment, self.device, self.clip_values = augment, device, clip_values
            self._dataset = LabeledDataset(X, self.y) if is_dataset(X) else None
            self._order, self._position = np.arange(len(y)), 0

        @property
        def iterator(self):
            return self

        def set_order(self, order):
            self._order, self._position = np.asarray(order), 0

        def get_batch(self):
            if self._position >= len(self._order):
                self._position = 0
            rows = self._order[self._position:self._position + self.batch_size]
            self._position += self.batch_size
            if self._dataset is None:
                x = self.X[rows]
            else:
                items = [self._dataset[int(i)] for i in rows]
                x = np.stack([np.asarray(item[0], dtype=np.float32) for item in items])
            if self.augment not in (None, "none"):
                tensor = augment_batch(torch.from_numpy(x).to(self.device), self.augment)
                x = tensor.cpu().numpy()
            if self.clip_values is not None and (x.min() < self.clip_values[0]
                                                 or x.max() > self.clip_values[1]):
                raise ValueError(
                    f"a training batch has values in [{x.min():.4g}, {x.max():.4g}], outside "
                    f"clip_values={self.clip_values}; pass inputs in that range (pixels in "
                    "[0, 1], normalization inside the model) or set clip_values.")
            return np.ascontiguousarray(x, dtype=np.float32), self.y[rows]

    return BatchGenerator


def batch_generator(X, y, batch_size, *, augment="none", device="cpu", clip_values=None):
    """An ART ``DataGenerator`` of ``(x, y)`` numpy batches over arrays or a dataset.

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
    return _generator_class()(X, y, batch_size, augment, device, clip_values)
