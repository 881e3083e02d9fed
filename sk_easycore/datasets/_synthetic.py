"""A 2D multi-class problem with curved class boundaries (interleaved spirals)."""

import numbers

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["make_synthetic_2d"]


def make_synthetic_2d(n_samples=1000, *, n_classes=3, noise=0.05, random_state=None):
    """Generate interleaved spiral arms in the unit square, one arm per class.

    Each arm winds three quarters of a turn around (0.5, 0.5), from radius 0.05
    out to 0.45; the arms start at evenly spaced angles, so every class boundary
    is curved and the centre, where the arms meet, holds the hardest samples.
    Gaussian noise of standard deviation ``noise`` is added, then the points are
    clipped to [0, 1] x [0, 1]. Classes get equal counts (up to one sample) and
    the rows are shuffled.

    Parameters
    ----------
    n_samples : int, default=1000
        Total number of points, at least ``n_classes``.
    n_classes : int, default=3
        Number of classes (spiral arms), at least 2.
    noise : float, default=0.05
        Standard deviation of the Gaussian noise, at least 0.
    random_state : int, RandomState instance or None, default=None
        Controls the sampling; pass an int for reproducible output.

    Returns
    -------
    X : ndarray of shape (n_samples, 2), dtype float32
        The points, inside [0, 1] x [0, 1].
    y : ndarray of shape (n_samples,), dtype int64
        The arm (class) of each point.

    Examples
    --------
    >>> X, y = make_synthetic_2d(300, n_classes=3, random_state=0)
    >>> X.shape, X.dtype, y.dtype
    ((300, 2), dtype('float32'), dtype('int64'))
    >>> np.bincount(y).tolist()
    [100, 100, 100]
    """
    if isinstance(n_classes, bool) or not isinstance(n_classes, numbers.Integral) or n_classes < 2:
        raise ValueError(f"n_classes must be an int >= 2, got {n_classes!r}.")
    if (
        isinstance(n_samples, bool)
        or not isinstance(n_samples, numbers.Integral)
        or n_samples < n_classes
    ):
        raise ValueError(
            f"n_samples must be an int >= n_classes ({n_classes}), got {n_samples!r}."
        )
    if isinstance(noise, bool) or not isinstance(noise, numbers.Real) or not noise >= 0:
        raise ValueError(f"noise must be a float >= 0, got {noise!r}.")
    rng = check_random_state(random_state)

    counts = np.full(n_classes, n_samples // n_classes)
    counts[: n_samples % n_classes] += 1
    y = np.repeat(np.arange(n_classes, dtype=np.int64), counts)
    # sqrt spreads points evenly along each arm, whose length grows with the radius
    t = np.sqrt(rng.uniform(size=n_samples))
    radius = 0.05 + 0.40 * t
    # three quarters of a turn: curved, yet mostly separable at the default noise
    angle = 2 * np.pi * (y / n_classes + 0.75 * t)
    X = 0.5 + radius[:, None] * np.column_stack([np.cos(angle), np.sin(angle)])
    X += noise * rng.standard_normal(size=X.shape)
    X = np.clip(X, 0.0, 1.0).astype(np.float32)

    order = rng.permutation(n_samples)
    return X[order], y[order]
