"""scikit-learn's 8x8 digits as float images."""

import numbers

import numpy as np
from sklearn.datasets import load_digits

__all__ = ["load_digits_images"]


def load_digits_images(*, n_class=10):
    """Load scikit-learn's digits as images of shape ``(n, 1, 8, 8)`` in [0, 1].

    The data ships with scikit-learn, so nothing is downloaded.

    Parameters
    ----------
    n_class : int, default=10
        Keep the digits ``0 .. n_class - 1`` (between 1 and 10).

    Returns
    -------
    X : ndarray of shape (n_samples, 1, 8, 8), dtype float32
        Pixel intensities divided by 16 (their maximum), so in [0, 1].
    y : ndarray of shape (n_samples,), dtype int64
        The digit shown.

    Examples
    --------
    >>> X, y = load_digits_images()
    >>> X.shape, X.dtype, float(X.max()), y.dtype
    ((1797, 1, 8, 8), dtype('float32'), 1.0, dtype('int64'))
    """
    is_int = isinstance(n_class, numbers.Integral) and not isinstance(n_class, bool)
    if not is_int or not 1 <= n_class <= 10:
        raise ValueError(f"n_class must be an int between 1 and 10, got {n_class!r}.")
    data, target = load_digits(n_class=n_class, return_X_y=True)
    # the raw pixel range is 0..16
    X = (data.astype(np.float32) / 16.0).reshape(-1, 1, 8, 8)
    return X, target.astype(np.int64)
