"""Batches in order for evaluation passes, and training batches that report their sample indices."""

import numpy as np
import torch
from torch.utils.data import DataLoader

from ._datasets import LabeledDataset, is_dataset

__all__ = ["eval_batches", "loader_params", "reporting_iterator"]


def loader_params(net):
    """The DataLoader settings of a skorch net's evaluation iterator (workers, pinning, ...).

    Parameters
    ----------
    net : skorch.NeuralNet

    Returns
    -------
    params : dict
        ``iterator_valid__*`` parameters but the batch size and shuffling.

    Examples
    --------
    >>> from skorch import NeuralNetClassifier
    >>> import torch
    >>> net = NeuralNetClassifier(torch.nn.Linear(2, 2), iterator_valid__num_workers=2)
    >>> loader_params(net)
    {'num_workers': 2}
    """
    params = net.get_params_for("iterator_valid")
    return {k: v for k, v in params.items() if k not in ("batch_size", "shuffle")}


def eval_batches(X, y, batch_size, *, device, params=None):
    """Yield ``(start, x_batch, y_batch)`` over ``X`` in order, tensors on ``device``.

    Arrays are sliced (no copy beyond the batch); a dataset is read through a
    :class:`~torch.utils.data.DataLoader` without shuffling (``params`` are its
    other settings, e.g. ``num_workers``), so memory holds one batch at a time.

    Parameters
    ----------
    X : ndarray or torch.utils.data.Dataset
    y : ndarray of shape (n_samples,) or None
        Labels (None: ``y_batch`` is None).
    batch_size : int
        Rows per batch (<= 0: all rows at once).
    device : str or torch.device
    params : dict or None, default=None
        More DataLoader arguments, for datasets.

    Yields
    ------
    start : int
    x_batch : torch.Tensor
    y_batch : torch.Tensor or None

    Examples
    --------
    >>> import numpy as np
    >>> [(s, tuple(x.shape)) for s, x, _ in eval_batches(np.zeros((5, 2), np.float32), None, 2,
    ...                                                  device="cpu")]
    [(0, (2, 2)), (2, (2, 2)), (4, (1, 2))]
    """
    n = len(X)
    batch_size = n if batch_size is None or batch_size <= 0 else int(batch_size)
    if not is_dataset(X):
        for start in range(0, n, batch_size):
            xb = torch.as_tensor(X[start:start + batch_size], device=device)
            yb = None if y is None else torch.as_tensor(y[start:start + batch_size],
                                                        device=device)
            yield start, xb, yb
        return
    targets = np.zeros(n, dtype=np.int64) if y is None else y
    # its own generator: a DataLoader draws a base seed when it starts iterating, and a
    # pass between training epochs must not move the training's shuffling
    loader = DataLoader(LabeledDataset(X, targets), batch_size=batch_size, shuffle=False,
                        generator=torch.Generator(), **(params or {}))
    start = 0
    for xb, yb in loader:
        xb = xb.to(device)
        yield start, xb, None if y is None else yb.to(device)
        start += len(xb)


def reporting_iterator(iterator, on_batch):
    """A skorch ``iterator_train`` that hands each batch's sample indices to ``on_batch``.

    The net is trained on a :class:`LabeledDataset` with ``with_index=True``;
    its items ``(x, label, index)`` are batched by ``iterator`` (the net's own,
    with its own settings: shuffling, workers, ...), and every batch is yielded
    to skorch as ``(on_batch(x, y, index), y)``: the module never sees the
    index, and ``on_batch`` may return ``x`` prepared for recording (moved to the
    device, with a gradient hook).

    Parameters
    ----------
    iterator : callable
        ``iterator(dataset, **kwargs)``, e.g. ``torch.utils.data.DataLoader``.
    on_batch : callable
        ``on_batch(x_batch, y_batch, index_batch) -> x_batch``.

    Returns
    -------
    make_iterator : callable
        To assign to the net's ``iterator_train`` while training.

    Examples
    --------
    >>> import numpy as np
    >>> seen = []
    >>> make = reporting_iterator(DataLoader, lambda x, y, i: seen.append(i.tolist()) or x)
    >>> ds = LabeledDataset(np.zeros((5, 2), np.float32), [0, 1, 0, 1, 0], with_index=True)
    >>> [tuple(x.shape) for x, _ in make(ds, batch_size=2)], seen
    ([(2, 2), (2, 2), (1, 2)], [[0, 1], [2, 3], [4]])
    """

    def make_iterator(dataset, **kwargs):
        return _ReportingBatches(iterator(dataset, **kwargs), on_batch)

    return make_iterator


class _ReportingBatches:
    def __init__(self, loader, on_batch):
        self.loader, self.on_batch = loader, on_batch

    def __len__(self):
        return len(self.loader)

    def __iter__(self):
        for batch in self.loader:
            if not isinstance(batch, (tuple, list)) or len(batch) != 3:
                raise TypeError("expected batches (x, y, index) of an indexed dataset; the "
                                "net's iterator_train changed the batch structure.")
            xb, yb, index = batch
            yield self.on_batch(xb, yb, index), yb
