"""The selector base every coreset method shares, and its functional core.

A selector is an imbalanced-learn sampler: ``fit_resample(X, y)`` returns the
kept rows, and ``imblearn.pipeline.Pipeline`` applies it during ``fit`` only,
which is exactly the semantics of a coreset. Subclasses implement one method,
``_select(X, y) -> indices``; everything else is derived here.
"""

import warnings
from abc import abstractmethod
from numbers import Real

import numpy as np
from imblearn.base import BaseSampler
from imblearn.utils import check_target_type
from imblearn.utils._validation import ArraysTransformer
from sklearn.preprocessing import label_binarize
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import Interval
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from .data import dataset_labels, is_dataset, take
from .utils import check_nd_X_y

__all__ = [
    "BaseSelector", "class_quotas", "n_to_keep", "select_by_score", "selection_groups",
]

KEEP_RULES = ("lowest", "highest", "middle")


def n_to_keep(n_samples, frac):
    """Number of rows a fraction ``frac`` of ``n_samples`` keeps (rounded half up).

    Parameters
    ----------
    n_samples : int
        Number of rows.
    frac : float in (0, 1]
        Fraction to keep.

    Returns
    -------
    n_kept : int
        ``floor(frac * n_samples + 0.5)``.

    Examples
    --------
    >>> n_to_keep(10, 0.25), n_to_keep(10, 0.3), n_to_keep(7, 1.0)
    (3, 3, 7)
    """
    return int(np.floor(frac * n_samples + 0.5))


def class_quotas(y, frac):
    """Per-class number of rows kept by a class-balanced selection.

    Every class keeps ``n_to_keep(n_class, frac)`` rows. A class whose
    quota rounds to zero is an error rather than a silently missing class.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels.
    frac : float in (0, 1]
        Fraction of each class to keep.

    Returns
    -------
    quotas : dict
        ``{label: n_kept}`` in sorted label order.

    Examples
    --------
    >>> class_quotas([0, 0, 0, 0, 1, 1], 0.5)
    {0: 2, 1: 1}
    """
    classes, counts = np.unique(np.asarray(y), return_counts=True)
    quotas = {}
    for label, count in zip(classes.tolist(), counts.tolist()):
        quota = n_to_keep(count, frac)
        if quota == 0:
            raise ValueError(
                f"class_balanced=True with frac={frac} keeps round({frac} * "
                f"{count}) = 0 samples of class {label!r} ({count} samples). Use a frac "
                f">= {0.5 / count:.3g} or class_balanced=False."
            )
        quotas[label] = quota
    return quotas


def _rank(scores, k, keep):
    order = np.argsort(-scores if keep == "highest" else scores, kind="stable")
    if keep == "middle":
        start = (len(scores) - k) // 2
        return order[start : start + k]
    return order[:k]


def select_by_score(scores, frac, *, keep="lowest", y=None, class_balanced=False):
    """Indices of the rows a score-based selection keeps, sorted.

    Parameters
    ----------
    scores : array-like of shape (n_samples,)
        One score per row (higher means harder).
    frac : float in (0, 1]
        Fraction of the rows (of each class when ``class_balanced``) to keep.
    keep : {"lowest", "highest", "middle"}, default="lowest"
        Keep the lowest scores, the highest, or the band centred on the median.
        Ties break by row order (stable sort).
    y : array-like of shape (n_samples,), default=None
        Labels; required when ``class_balanced``.
    class_balanced : bool, default=False
        Rank within each class and keep the same fraction of each.

    Returns
    -------
    indices : ndarray of shape (n_kept,)
        Sorted row indices.

    Examples
    --------
    >>> select_by_score([0.3, 0.1, 0.2, 0.9], 0.5)
    array([1, 2])
    >>> select_by_score([0.3, 0.1, 0.2, 0.9], 0.5, keep="highest")
    array([0, 3])
    >>> select_by_score([0.3, 0.1, 0.2, 0.9], 0.5, y=[0, 0, 1, 1], class_balanced=True)
    array([1, 2])
    """
    scores = np.asarray(scores, dtype=np.float64)
    if keep not in KEEP_RULES:
        raise ValueError(f"keep must be one of {KEEP_RULES}; got {keep!r}.")
    if class_balanced and y is None:
        raise ValueError("class_balanced=True needs the labels y.")
    y = np.zeros(len(scores)) if y is None else y
    groups = selection_groups(y, frac, class_balanced)
    picked = [rows[_rank(scores[rows], k, keep)] for rows, k in groups]
    return np.sort(np.concatenate(picked))


def selection_groups(y, frac, class_balanced):
    """The groups a selection ranks within, and how many rows each keeps.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels.
    frac : float in (0, 1]
        Fraction of the rows (of each class when ``class_balanced``) to keep.
    class_balanced : bool
        One group per class (in sorted label order), or one group of all rows.

    Returns
    -------
    groups : list of (ndarray, int)
        ``(row indices, number of rows to keep)`` for each group.

    Examples
    --------
    >>> selection_groups([0, 1, 0, 1, 1], 0.5, class_balanced=True)
    [(array([0, 2]), 1), (array([1, 3, 4]), 2)]
    >>> selection_groups([0, 1, 0, 1, 1], 0.5, class_balanced=False)
    [(array([0, 1, 2, 3, 4]), 3)]
    """
    y = np.asarray(y)
    if class_balanced:
        return [(np.flatnonzero(y == c), k) for c, k in class_quotas(y, frac).items()]
    k = n_to_keep(len(y), frac)
    if k == 0:
        raise ValueError(
            f"frac={frac} of {len(y)} samples keeps 0 samples; use "
            f"frac >= {0.5 / len(y):.3g}."
        )
    return [(np.arange(len(y)), k)]


class BaseSelector(BaseSampler):
    """Base class of coreset selectors: keep a fraction of the rows of ``(X, y)``.

    Subclasses define ``__init__`` (storing their parameters, including
    ``frac``, ``class_balanced`` and ``random_state``) and
    ``_select(X, y) -> indices``. ``X`` may have any rank (images stay 4-D),
    or be a map-style torch ``Dataset`` of ``(x, label)`` items: a selector
    needs only ``len(X)`` and the labels, so a dataset is never read here (its
    labels come from ``y`` or the dataset, see
    :func:`~sk_easycore.data.dataset_labels`); the proxy that scores it reads
    it batch by batch. ``fit_resample(X, y)`` returns the kept rows (lists and
    pandas objects come back as such, a dataset as a
    :class:`torch.utils.data.Subset`); ``get_support()`` gives them as a mask
    or indices.

    Parameters
    ----------
    frac : float in (0, 1]
        Fraction of the rows (of every class, when ``class_balanced``) to keep;
        validated at fit.
    class_balanced : bool
        Select within every class (keeping the class mix) or over all rows.
    random_state : int, RandomState instance or None
        Seeds whatever the subclass draws or trains.

    Attributes
    ----------
    sample_indices_ : ndarray of shape (n_kept,)
        Sorted indices of the kept rows.
    sampling_strategy_ : dict
        ``{label: number of rows kept}`` for every class of ``y``.
    n_samples_fit_ : int
        Number of rows seen by ``fit``.
    n_features_in_ : int
        Size of the second axis of ``X`` (not set for a dataset).

    See Also
    --------
    select_by_score : The ranking most subclasses delegate to.
    sk_easycore.selection.ScoreSelector : A selector for any per-sample score.

    Examples
    --------
    >>> import numpy as np
    >>> class FirstRows(BaseSelector):  # keep the first rows of every class
    ...     def __init__(self, frac=0.5, class_balanced=True, random_state=None):
    ...         self.frac, self.class_balanced = frac, class_balanced
    ...         self.random_state = random_state
    ...     def _select(self, X, y):
    ...         groups = selection_groups(y, self.frac, self.class_balanced)
    ...         return np.concatenate([rows[:k] for rows, k in groups])
    >>> X, y = np.arange(8).reshape(8, 1), np.array([0, 1] * 4)
    >>> X_kept, y_kept = FirstRows().fit_resample(X, y)
    >>> X_kept.ravel().tolist(), y_kept.tolist()
    ([0, 1, 2, 3], [0, 1, 0, 1])
    """

    _sampling_type = "bypass"
    _parameter_constraints = {
        "frac": [Interval(Real, 0, 1, closed="right")],
        "class_balanced": ["boolean"],
        "random_state": ["random_state"],
    }

    @abstractmethod
    def _select(self, X, y):
        """Return the indices of the rows to keep."""

    def _check_X_y(self, X, y, accept_sparse=None):
        if is_dataset(X):
            y = dataset_labels(X) if y is None else y
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        if is_dataset(X):
            y = np.asarray(y)
            if y.ndim != 1 or len(y) != len(X):
                raise ValueError(f"y must hold one label per item of the dataset ({len(X)}); "
                                 f"got shape {y.shape}.")
            for name in ("n_features_in_", "feature_names_in_"):
                self.__dict__.pop(name, None)
            return X, y, binarize_y
        X, y = check_nd_X_y(self, X, y)
        return X, y, binarize_y

    def _fit(self, X, y):
        classes = np.unique(y)
        if len(classes) < 2:
            raise ValueError(
                f"Coreset selection needs at least 2 classes in y; got 1 class ({classes[0]!r})."
            )
        indices = np.sort(np.asarray(self._select(X, y), dtype=np.intp))
        self.sample_indices_ = indices
        self.n_samples_fit_ = len(X)
        kept = y[indices]
        self.sampling_strategy_ = {c: int(np.sum(kept == c)) for c in classes.tolist()}
        return indices

    def fit(self, X, y=None):
        """Select the coreset of ``(X, y)`` without returning it.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...) or torch.utils.data.Dataset
            Data of any rank, or a dataset of ``(x, label)`` items.
        y : array-like of shape (n_samples,) or None
            Class labels (None: a dataset's own).

        Returns
        -------
        self : object
            The fitted selector.
        """
        self._validate_params()
        X, y, _ = self._check_X_y(X, y)
        check_classification_targets(y)
        self._fit(X, y)
        return self

    def fit_resample(self, X, y=None):
        """Select the coreset and return its rows.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...) or torch.utils.data.Dataset
            Data of any rank (lists and pandas objects come back as such), or a
            dataset of ``(x, label)`` items.
        y : array-like of shape (n_samples,) or None
            Class labels (None: a dataset's own).

        Returns
        -------
        X_resampled : array-like of shape (n_kept, ...) or torch.utils.data.Subset
            The kept rows, in their original order.
        y_resampled : array-like of shape (n_kept,)
            Their labels.
        """
        self._validate_params()
        self._warn_for_skorch(X)
        if is_dataset(X):
            X, y, _ = self._check_X_y(X, y)
            check_classification_targets(y)
            indices = self._fit(X, y)
            return take(X, indices), y[indices]
        check_classification_targets(y)
        arrays_transformer = ArraysTransformer(X, y)
        X, y, binarize_y = self._check_X_y(X, y)
        X_kept, y_kept = self._fit_resample(X, y)
        if binarize_y:
            y_kept = label_binarize(y_kept, classes=np.unique(y))
        return arrays_transformer.transform(X_kept, y_kept)

    def _trains_skorch(self):
        """Whether fitting trains a skorch net (subclasses with a network proxy say so)."""
        return False

    def _warn_for_skorch(self, X):
        """Say before any training that these rows will not suit a skorch net after us."""
        if not self._trains_skorch():
            return
        name = type(self).__name__
        fix = ("Start the pipeline with sk_easycore.utils.AsFloat32(), or convert X "
               "yourself (X.to_numpy(np.float32) / X.astype(np.float32)).")
        if hasattr(X, "iloc") and hasattr(X, "columns"):
            warnings.warn(
                f"{name} was given a pandas DataFrame: it returns the kept rows as a DataFrame "
                "(a sampler keeps its input's type), and a skorch net after it in a pipeline "
                "passes the columns to its module as keyword arguments. " + fix,
                UserWarning, stacklevel=3)
        elif getattr(X, "dtype", None) == np.float64:
            warnings.warn(
                f"{name} was given float64 X: it returns the kept rows as float64, which a "
                "skorch net after it in a pipeline refuses ('mat1 and mat2 must have the same "
                "dtype'); its own proxy converts to float32. " + fix, UserWarning, stacklevel=3)

    def _fit_resample(self, X, y):
        indices = self._fit(X, y)
        return _safe_indexing(X, indices), _safe_indexing(y, indices)

    def get_support(self, indices=False):
        """Mask or indices of the kept rows.

        Parameters
        ----------
        indices : bool, default=False
            Return row indices instead of a boolean mask.

        Returns
        -------
        support : ndarray
            Boolean mask of shape (n_samples_fit_,) or sorted indices.
        """
        check_is_fitted(self, "sample_indices_")
        if indices:
            return self.sample_indices_.copy()
        mask = np.zeros(self.n_samples_fit_, dtype=bool)
        mask[self.sample_indices_] = True
        return mask

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.sampler_tags.sample_indices = True
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        return tags
