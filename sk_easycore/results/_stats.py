"""Seed-paired statistics of the summary: the t-interval, its p-value, and Holm's correction."""

import numpy as np
from scipy import stats

__all__ = ["holm", "paired_t"]


def paired_t(diffs, confidence=0.95):
    """Mean, two-sided Student-t interval and p-value of seed-paired differences.

    The p-value is the one-sample t-test of ``mean == 0`` that matches the
    interval: the interval at ``confidence`` excludes 0 exactly when
    ``p < 1 - confidence``. Differences that agree to the last bit have no
    spread: the interval is the point and the p-value 0 (1 when they are 0).

    Parameters
    ----------
    diffs : array-like of shape (n_pairs,)
        One difference per seed.
    confidence : float, default=0.95

    Returns
    -------
    mean, low, high, p_value : float
        ``low``, ``high`` and ``p_value`` are NaN with fewer than two pairs.

    Examples
    --------
    >>> mean, low, high, p = paired_t([0.05, 0.06, 0.04])
    >>> round(mean, 3), round(low, 4), round(high, 4), round(p, 4)
    (0.05, 0.0252, 0.0748, 0.0131)
    """
    diffs = np.asarray(diffs, dtype=float)
    mean = float(diffs.mean())
    if len(diffs) < 2:
        return mean, float("nan"), float("nan"), float("nan")
    sem = float(diffs.std(ddof=1) / np.sqrt(len(diffs)))
    if sem == 0:
        return mean, mean, mean, float(mean == 0)
    half = float(stats.t.ppf(0.5 + confidence / 2, len(diffs) - 1)) * sem
    p_value = float(2 * stats.t.sf(abs(mean) / sem, len(diffs) - 1))
    return mean, mean - half, mean + half, p_value


def holm(p_values):
    """Holm's step-down adjusted p-values (family-wise error rate), NaN left out of the family.

    Sort the ``m`` p-values; the ``i``-th smallest (from 0) is multiplied by
    ``m - i``, the running maximum is taken so that the order is kept, and the
    result is capped at 1. A difference is beyond noise at level ``alpha``
    after the correction when its adjusted p-value is below ``alpha``: the
    chance that any of the ``m`` differences is called so while all are truly
    0 stays below ``alpha``.

    Parameters
    ----------
    p_values : array-like of shape (m,)
        NaN entries (comparisons not made) get NaN and do not count in ``m``.

    Returns
    -------
    adjusted : ndarray of shape (m,)

    Examples
    --------
    >>> holm([0.01, 0.04, 0.03, float("nan")]).round(2).tolist()
    [0.03, 0.06, 0.06, nan]
    """
    p_values = np.asarray(p_values, dtype=float)
    adjusted = np.full(p_values.shape, np.nan)
    tested = np.flatnonzero(~np.isnan(p_values))
    order = tested[np.argsort(p_values[tested], kind="stable")]
    m = len(order)
    scaled = p_values[order] * (m - np.arange(m))
    adjusted[order] = np.minimum(np.maximum.accumulate(scaled), 1.0)
    return adjusted
