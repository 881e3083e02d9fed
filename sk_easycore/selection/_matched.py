"""MatchedRandomSelector: random rows with exactly another coreset's per-class counts."""

from numbers import Integral

import numpy as np
from sklearn.base import clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods

from ..base import BaseSelector

__all__ = ["MatchedRandomSelector"]


class MatchedRandomSelector(BaseSelector):
    """Keep random rows with the per-class counts of a reference coreset: the class-mix control.

    A selector that keeps "easy" rows may also change the class mix (on digits
    the easiest 10% holds almost no 1s or 9s). Comparing it with uniform random
    sampling confounds the two; this control draws uniformly *within each
    class* exactly as many rows as the reference kept, so that only "which
    rows" differs.

    Parameters
    ----------
    reference : selector or dict, default=None
        The coreset to match. A selector is cloned and fitted on the same
        ``(X, y)`` (when its ``random_state`` is None it gets this selector's,
        so a reference built like a selector of the same study, with the same
        seed, reuses that selector's cached proxy); its ``sampling_strategy_``
        gives the counts. A dict ``{label: count}`` gives them directly (labels
        missing from it keep 0 rows). Required.
    random_state : int, RandomState instance or None, default=None
        Seeds the draw (and the reference, see above).

    Attributes
    ----------
    reference_ : selector or None
        The fitted reference (None when ``reference`` is a dict).
    sample_indices_ : ndarray of shape (n_kept,)
        Sorted indices of the kept rows.
    sampling_strategy_ : dict
        ``{label: number of rows kept}``, equal to the reference's.
    n_samples_fit_ : int
        Number of rows seen by ``fit``.
    n_features_in_ : int
        Size of the second axis of ``X``.

    See Also
    --------
    RandomSelector : the same fraction of every class.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_easycore.selection import EasyCoreSelector, MatchedRandomSelector
    >>> X, y = np.zeros((10, 2)), np.array([0] * 6 + [1] * 4)
    >>> scores = np.array([0, 1, 2, 3, 4, 5, 9, 9, 9, 9])
    >>> easy = EasyCoreSelector(scores, frac=0.5, class_balanced=False)
    >>> MatchedRandomSelector(easy, random_state=0).fit(X, y).sampling_strategy_
    {0: 5, 1: 0}
    >>> MatchedRandomSelector({0: 1, 1: 2}, random_state=0).fit(X, y).sampling_strategy_
    {0: 1, 1: 2}
    """

    _parameter_constraints = {
        "reference": [HasMethods(["fit"]), dict, None],
        "random_state": ["random_state"],
    }

    def __init__(self, reference=None, *, random_state=None):
        self.reference = reference
        self.random_state = random_state

    def _counts(self, X, y):
        if self.reference is None:
            raise ValueError(
                "MatchedRandomSelector needs a reference: a selector or a dict {label: count}."
            )
        if isinstance(self.reference, dict):
            self.reference_ = None
            return dict(self.reference)
        reference = clone(self.reference)
        if reference.get_params().get("random_state", False) is None:
            reference.set_params(random_state=self.random_state)
        self.reference_ = reference.fit(X, y)
        return self.reference_.sampling_strategy_

    def _select(self, X, y):
        counts = self._counts(X, y)
        classes = np.unique(y)
        unknown = set(counts) - set(classes.tolist())
        if unknown:
            raise ValueError(f"reference counts name labels absent from y: {sorted(unknown)}.")
        rng = check_random_state(self.random_state)
        picked = []
        for label in classes.tolist():
            count = counts.get(label, 0)
            rows = np.flatnonzero(y == label)
            if not isinstance(count, Integral) or not 0 <= count <= len(rows):
                raise ValueError(
                    f"reference count for class {label!r} must be an integer in [0, "
                    f"{len(rows)}] (the rows of that class); got {count!r}."
                )
            picked.append(rng.choice(rows, size=int(count), replace=False))
        indices = np.concatenate(picked)
        if len(indices) == 0:
            raise ValueError("The reference keeps no rows: nothing to match.")
        return indices
