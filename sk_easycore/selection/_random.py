"""RandomSelector: a uniform random fraction, the baseline every method must beat."""

import numpy as np
from sklearn.utils import check_random_state

from ..base import BaseSelector, class_quotas, n_to_keep

__all__ = ["RandomSelector"]


class RandomSelector(BaseSelector):
    """Keep a uniformly random fraction of the rows.

    Parameters
    ----------
    frac : float in (0, 1], default=0.3
        Fraction of the rows to keep (of each class when ``class_balanced``),
        rounded half up, exactly as the score-based selectors do; with
        ``class_balanced=True`` the per-class counts therefore equal those of
        any class-balanced selector at the same fraction.
    class_balanced : bool, default=True
        Draw the same fraction from every class; otherwise draw from all rows.
    random_state : int, RandomState instance or None, default=None
        Seeds the draw.

    Attributes
    ----------
    sample_indices_ : ndarray of shape (n_kept,)
        Sorted indices of the kept rows.
    sampling_strategy_ : dict
        ``{label: number of rows kept}``.
    n_samples_fit_ : int
        Number of rows seen by ``fit``.
    n_features_in_ : int
        Size of the second axis of ``X``.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_easycore.selection import RandomSelector
    >>> X, y = np.zeros((10, 2)), np.array([0] * 6 + [1] * 4)
    >>> RandomSelector(frac=0.5, random_state=0).fit(X, y).sampling_strategy_
    {0: 3, 1: 2}
    """

    def __init__(self, *, frac=0.3, class_balanced=True, random_state=None):
        self.frac = frac
        self.class_balanced = class_balanced
        self.random_state = random_state

    def _select(self, X, y):
        rng = check_random_state(self.random_state)
        if not self.class_balanced:
            return rng.choice(len(y), size=n_to_keep(len(y), self.frac), replace=False)
        picked = [
            rng.choice(np.flatnonzero(y == label), size=quota, replace=False)
            for label, quota in class_quotas(y, self.frac).items()
        ]
        return np.concatenate(picked)
