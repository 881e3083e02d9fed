"""Input validation shared by the estimators: arrays of any rank, labels, scores."""

import numpy as np
from sklearn.utils.validation import validate_data

__all__ = ["check_nd_X_y", "check_scores"]


def check_nd_X_y(estimator, X, y, *, reset=True, dtype="numeric"):
    """Validate ``X`` (2-D or more, finite) and ``y`` (1-D labels) for ``estimator``.

    Images stay 4-D: only the first axis is treated as samples. Sets
    ``n_features_in_`` (the size of the second axis) when ``reset`` is true.

    Parameters
    ----------
    estimator : estimator instance
        The estimator the data is validated for (used in messages).
    X : array-like of shape (n_samples, ...)
        Data, at least 2-D.
    y : array-like of shape (n_samples,)
        Labels.
    reset : bool, default=True
        Whether to (re)set ``n_features_in_``.
    dtype : str, type or None, default="numeric"
        Passed to :func:`sklearn.utils.check_array`.

    Returns
    -------
    X : ndarray
    y : ndarray of shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.base import BaseEstimator
    >>> X, y = check_nd_X_y(BaseEstimator(), np.zeros((3, 1, 2, 2)), [0, 1, 0])
    >>> X.shape, y.shape
    ((3, 1, 2, 2), (3,))
    """
    return validate_data(
        estimator,
        X,
        y,
        reset=reset,
        allow_nd=True,
        dtype=dtype,
        ensure_all_finite=True,
        ensure_min_samples=1,
        y_numeric=False,
        multi_output=False,
    )


def check_scores(scores, n_samples, *, name="scores"):
    """Return ``scores`` as a finite float64 vector of length ``n_samples``.

    Parameters
    ----------
    scores : array-like of shape (n_samples,)
        One score per sample (higher means harder).
    n_samples : int
        The number of rows the scores must describe.
    name : str, default="scores"
        How to call the scores in error messages.

    Returns
    -------
    scores : ndarray of shape (n_samples,), dtype float64

    Examples
    --------
    >>> check_scores([0.5, 1, 2], 3)
    array([0.5, 1. , 2. ])
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.shape != (n_samples,):
        raise ValueError(
            f"{name} must have shape ({n_samples},), one score per row of X; "
            f"got shape {scores.shape}."
        )
    if not np.all(np.isfinite(scores)):
        n_bad = int(np.sum(~np.isfinite(scores)))
        raise ValueError(f"{name} contain {n_bad} NaN or infinite values; all must be finite.")
    return scores
