"""Map-style torch Datasets beside arrays: labels, indexing, fingerprints, input checks.

Everything that trains or attacks in this library takes either arrays or a
map-style :class:`torch.utils.data.Dataset` whose items are ``(x, label)``
pairs (torchvision's convention). Datasets are never materialised: selectors
need only ``len(X)`` and the labels, the coreset is a
:class:`torch.utils.data.Subset`, and the networks read the items batch by batch.
"""

import logging

import joblib
import numpy as np
import torch
from torch.utils.data import ConcatDataset, Dataset, Subset

from ..utils import check_nd_X_y

__all__ = ["LabeledDataset", "check_input", "dataset_labels", "fingerprint", "input_shape",
           "is_dataset", "take"]

logger = logging.getLogger(__name__)

# A dataset's fingerprint reads this many of its items (spread evenly), besides its labels.
_FINGERPRINT_ITEMS = 64


def is_dataset(X):
    """True for a map-style torch ``Dataset`` (``len(X)`` and ``X[i]``).

    Parameters
    ----------
    X : object

    Returns
    -------
    is_dataset : bool

    Examples
    --------
    >>> import numpy as np, torch
    >>> is_dataset(torch.utils.data.TensorDataset(torch.zeros(3, 2))), is_dataset(np.zeros(3))
    (True, False)
    """
    return isinstance(X, Dataset) and hasattr(X, "__len__")


def _item_input(item):
    return item[0] if isinstance(item, (tuple, list)) else item


def dataset_labels(dataset):
    """The label of every item of a map-style dataset of ``(x, label)`` items, as an array.

    Read without loading any input when the dataset says them: its ``targets``
    attribute (torchvision's ``ImageFolder``, ``CIFAR10``, ...), ``tensors[1]``
    of a ``TensorDataset``, through ``Subset`` and ``ConcatDataset``. Otherwise
    every item is loaded once (logged at INFO: it reads the whole dataset).

    Parameters
    ----------
    dataset : torch.utils.data.Dataset
        Items ``(x, label)``.

    Returns
    -------
    labels : ndarray of shape (len(dataset),)

    Examples
    --------
    >>> import torch
    >>> ds = torch.utils.data.TensorDataset(torch.zeros(4, 2), torch.tensor([0, 1, 1, 0]))
    >>> dataset_labels(torch.utils.data.Subset(ds, [1, 2, 3])).tolist()
    [1, 1, 0]
    """
    if isinstance(dataset, LabeledDataset) and dataset.targets is not None:
        return np.asarray(dataset.targets)
    if isinstance(dataset, Subset):
        return dataset_labels(dataset.dataset)[np.asarray(dataset.indices, dtype=np.intp)]
    if isinstance(dataset, ConcatDataset):
        return np.concatenate([dataset_labels(d) for d in dataset.datasets])
    targets = getattr(dataset, "targets", None)
    if targets is None and isinstance(dataset, torch.utils.data.TensorDataset):
        if len(dataset.tensors) < 2:
            raise ValueError("a TensorDataset needs a second tensor of labels.")
        targets = dataset.tensors[1]
    if targets is not None:
        labels = targets.numpy() if isinstance(targets, torch.Tensor) else np.asarray(targets)
        if len(labels) != len(dataset):
            raise ValueError(f"the dataset's targets hold {len(labels)} labels for "
                             f"{len(dataset)} items.")
        return labels
    logger.info("reading all %d items of %s for their labels (give it a `targets` attribute "
                "to avoid this)", len(dataset), type(dataset).__name__)
    labels = []
    for i in range(len(dataset)):
        item = dataset[i]
        if not isinstance(item, (tuple, list)) or len(item) < 2:
            raise ValueError(f"item {i} of the dataset is not an (x, label) pair; pass y.")
        label = item[1]
        labels.append(label.item() if isinstance(label, torch.Tensor) else label)
    return np.asarray(labels)


class LabeledDataset(Dataset):
    """A dataset whose items are ``(x, label)`` or ``(x, label, index)``, from arrays or a Dataset.

    The sample index travels with the item, so that per-sample buffers (such
    as the input-gradient norms of :class:`~sk_easycore.scoring.AIGNScorer`)
    are written at the right row whatever the order or batching. The labels may
    replace the base's (encoded labels, or labels given beside the data).

    Parameters
    ----------
    base : ndarray or torch.utils.data.Dataset
        Rows ``base[i]`` (arrays) or items ``(x, label)`` / ``x`` (datasets).
    targets : array-like of shape (len(base),) or None, default=None
        The labels returned; None takes the base dataset's own.
    with_index : bool, default=False
        Return ``(x, label, i)`` instead of ``(x, label)``.

    Attributes
    ----------
    base : ndarray or Dataset
        The rows.
    targets : ndarray or None
        The labels returned (None: the base's).
    with_index : bool
        Whether items carry their index.

    Examples
    --------
    >>> import numpy as np
    >>> ds = LabeledDataset(np.arange(6.0).reshape(3, 2), targets=[2, 0, 1], with_index=True)
    >>> x, label, index = ds[1]
    >>> x.tolist(), int(label), index
    ([2.0, 3.0], 0, 1)
    """

    def __init__(self, base, targets=None, *, with_index=False):
        self.base = base
        self.targets = None if targets is None else np.asarray(targets)
        self.with_index = with_index
        if self.targets is not None and len(self.targets) != len(base):
            raise ValueError(f"targets has {len(self.targets)} labels for {len(base)} rows.")
        if self.targets is None and not is_dataset(base):
            raise ValueError("an array base needs its targets.")

    def __len__(self):
        return len(self.base)

    def __getitem__(self, i):
        item = self.base[i]
        if self.targets is not None:
            x, label = _item_input(item), self.targets[i]
        else:
            x, label = item[0], item[1]
        return (x, label, i) if self.with_index else (x, label)


def input_shape(X):
    """The shape of ``X`` as an array would have it: ``(n, *shape of one input)``.

    Parameters
    ----------
    X : ndarray or torch.utils.data.Dataset
        For a dataset the first item's input is read.

    Returns
    -------
    shape : tuple of int

    Examples
    --------
    >>> import torch
    >>> input_shape(torch.utils.data.TensorDataset(torch.zeros(5, 1, 8, 8), torch.zeros(5)))
    (5, 1, 8, 8)
    """
    if is_dataset(X):
        if len(X) == 0:
            raise ValueError("the dataset is empty.")
        first = _item_input(X[0])
        return (len(X), *np.shape(first))
    return tuple(np.shape(X))


def take(X, indices):
    """Rows ``indices`` of ``X``: an array slice, or a ``Subset`` of a dataset (nothing loaded).

    Parameters
    ----------
    X : ndarray or torch.utils.data.Dataset
    indices : array-like of int

    Returns
    -------
    rows : ndarray or torch.utils.data.Subset

    Examples
    --------
    >>> import numpy as np
    >>> take(np.arange(5), [1, 3]).tolist()
    [1, 3]
    """
    indices = np.asarray(indices, dtype=np.intp)
    if is_dataset(X):
        return Subset(X, indices.tolist())
    return X[indices]


def fingerprint(X, y=None):
    """A content hash of a training set, to recognise it again (study folders, score files).

    Arrays (and ``y``) are hashed whole (joblib's hash: about a second for
    CIFAR-10). A dataset is hashed by its type, length, labels and 64 of its
    items, spread evenly: a fingerprint, not a proof, but it changes when
    the files, their order, their labels or their count change.

    Parameters
    ----------
    X : ndarray or torch.utils.data.Dataset
    y : array-like or None, default=None

    Returns
    -------
    digest : str

    Examples
    --------
    >>> import numpy as np
    >>> fingerprint(np.zeros(3), [0, 1, 0]) == fingerprint(np.zeros(3), [0, 1, 0])
    True
    """
    if not is_dataset(X):
        return joblib.hash((X, y))
    n = len(X)
    positions = np.unique(np.linspace(0, n - 1, min(n, _FINGERPRINT_ITEMS)).astype(np.intp))
    items = []
    for i in positions.tolist():
        x = _item_input(X[i])
        items.append(x.numpy() if isinstance(x, torch.Tensor) else np.asarray(x))
    labels = dataset_labels(X) if y is None else np.asarray(y)
    return joblib.hash((type(X).__name__, n, labels, items))


def check_input(estimator, X, y, *, reset=True, dtype=np.float32):
    """Validate training data for a network: arrays become float32, datasets stay datasets.

    Arrays and pandas DataFrames are validated as scikit-learn does (finite,
    at least 2-D, consistent lengths) and converted to C-contiguous float32
    (what a skorch net needs). A dataset is not read: its labels come from
    ``y`` or from the dataset (:func:`dataset_labels`).

    Parameters
    ----------
    estimator : estimator
        The estimator the data is for (``n_features_in_`` is set on arrays).
    X : array-like or torch.utils.data.Dataset
    y : array-like or None
        Labels; may be None for a dataset.
    reset : bool, default=True
        Reset ``n_features_in_``.
    dtype : numpy dtype or None, default=float32
        The arrays' dtype (None keeps it).

    Returns
    -------
    X : ndarray or Dataset
    y : ndarray of shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.base import BaseEstimator
    >>> X, y = check_input(BaseEstimator(), np.zeros((3, 2)), [0, 1, 0])
    >>> X.dtype, y.tolist()
    (dtype('float32'), [0, 1, 0])
    """
    if is_dataset(X):
        labels = dataset_labels(X) if y is None else np.asarray(y)
        if labels.ndim != 1 or len(labels) != len(X):
            raise ValueError(f"y must hold one label per item of the dataset ({len(X)}); got "
                             f"shape {labels.shape}.")
        if len(X) == 0:
            raise ValueError("the dataset is empty.")
        return X, labels
    if y is None:
        raise ValueError(f"{type(estimator).__name__} requires y to be passed, but the target y "
                         "is None (only a dataset carries its own labels).")
    X, y = check_nd_X_y(estimator, X, y, reset=reset)
    if dtype is not None:
        X = np.ascontiguousarray(X, dtype=dtype)
    return X, np.asarray(y)
