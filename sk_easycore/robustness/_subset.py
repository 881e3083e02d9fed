"""The stratified, seeded subset of a test set that AutoAttack runs on (``autoattack_samples``)."""

from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["check_subset_size", "stratified_subset"]


def check_subset_size(n_samples, name="autoattack_samples"):
    """``n_samples`` checked: None or an int >= 1."""
    if n_samples is None:
        return None
    if not isinstance(n_samples, Integral) or isinstance(n_samples, bool) or n_samples < 1:
        raise ValueError(f"{name} must be None (every sample) or an int >= 1; got "
                         f"{n_samples!r}.")
    return int(n_samples)


def stratified_subset(y, n_samples, random_state=0):
    """Sorted indices of ``n_samples`` rows of ``y``, each class in proportion, drawn seeded.

    Each class gets ``n_samples * share`` rows, rounded by largest remainder
    (ties to the earlier class), drawn without replacement; ``n_samples`` at
    least ``len(y)`` gives every row. Depends on the labels, ``n_samples`` and
    the seed only, so every model evaluated on the same test set sees the same
    rows.

    Parameters
    ----------
    y : array-like of shape (n,)
        Labels.
    n_samples : int >= 1
        Rows to draw.
    random_state : int or RandomState, default=0
        Seeds the draw within each class.

    Returns
    -------
    indices : ndarray of int, sorted

    Examples
    --------
    >>> y = [0] * 6 + [1] * 3 + [2] * 3
    >>> rows = stratified_subset(y, 4)
    >>> np.bincount(np.asarray(y)[rows]).tolist(), bool(np.all(np.diff(rows) > 0))
    ([2, 1, 1], True)
    """
    y = np.asarray(y)
    n_samples = check_subset_size(n_samples, "n_samples")
    if n_samples >= len(y):
        return np.arange(len(y))
    _, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    quota = counts * n_samples / len(y)
    take = np.floor(quota).astype(int)
    order = np.lexsort((np.arange(len(counts)), -(quota - take)))  # largest remainder first
    take[order[:n_samples - take.sum()]] += 1
    rng = check_random_state(random_state)
    rows = [rng.permutation(np.flatnonzero(inverse == c))[:k] for c, k in enumerate(take)]
    return np.sort(np.concatenate(rows))
