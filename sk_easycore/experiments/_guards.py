"""Guard rails: a study that runs but whose numbers cannot mean much says so.

Two cases are caught. Table columns whose scales differ by orders of magnitude
under a recipe that does not standardize them: an eps is one number for every
column, so it is a large step on the narrow columns and nothing on the wide ones,
and the network itself learns badly. And a full-data model near chance (its clean
accuracy within a few points of the majority-class rate): attacks cannot lower an
accuracy that is already at chance, and every difference from it says little.
Each is a :class:`StudyWarning` and a line in the study's log.
"""

import logging
import warnings

import numpy as np

from ..results import near_chance

__all__ = ["ColumnScaleWarning", "NearChanceWarning", "StudyWarning", "check_column_scales",
           "check_full_model", "column_scales", "usable_frontier"]

logger = logging.getLogger("sk_easycore.experiments")

# Column standard deviations further apart than this (max / min) are "orders of magnitude".
SCALE_RATIO = 100.0


class StudyWarning(UserWarning):
    """A study ran, but some of its numbers may not mean what they seem.

    The base of the study's warnings: silence or raise them all at once with
    ``warnings.simplefilter(action, StudyWarning)``. Each is also a line in
    the study's log.

    Attributes
    ----------
    args : tuple
        The message.

    Examples
    --------
    >>> issubclass(ColumnScaleWarning, StudyWarning), issubclass(StudyWarning, UserWarning)
    (True, True)
    """


class ColumnScaleWarning(StudyWarning):
    """Table columns differ in scale by orders of magnitude and nothing standardizes them.

    Raised by :func:`~sk_easycore.experiments.run_study` before training when
    the largest column standard deviation of a table's training rows is more
    than 100 times the smallest and the recipe has ``standardize=False``.

    Attributes
    ----------
    args : tuple
        The message: the ratio, the two scales and what the largest eps is in each.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore", ColumnScaleWarning)  # I standardize in my net
    ...     warnings.warn("columns", ColumnScaleWarning)
    """


class NearChanceWarning(StudyWarning):
    """The full-data model's clean accuracy is near the majority-class rate.

    Raised when a study's report is written (the end of
    :func:`~sk_easycore.experiments.run_study`, and
    :func:`~sk_easycore.experiments.write_report`) when a regime's full-data
    model, averaged over seeds, is within 5 points of the largest class's
    share of the training rows; ``summary.md`` says so too.

    Attributes
    ----------
    args : tuple
        The message: the regime, its clean accuracy and the majority-class rate.

    Examples
    --------
    >>> issubclass(NearChanceWarning, UserWarning)
    True
    """


def _warn(category, message):
    # the study log gets the line; the caller's console only the warning (see _log.py)
    logger.warning("%s", message, extra={"shown_as_warning": True})
    warnings.warn(message, category, stacklevel=3)


def column_scales(X):
    """The smallest and largest standard deviation of a table's non-constant columns.

    Parameters
    ----------
    X : ndarray or torch Dataset
        Training inputs; only 2-D arrays (tables) are measured.

    Returns
    -------
    scales : tuple of (float, float) or None
        ``(smallest, largest)``; None for anything but a table with two or
        more non-constant columns.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0, 100.0], [1.0, 300.0], [2.0, 500.0]])
    >>> column_scales(X)
    (1.0, 200.0)
    """
    if not isinstance(X, np.ndarray) or X.ndim != 2:
        return None
    std = X.std(axis=0, ddof=1) if len(X) > 1 else np.zeros(X.shape[1])
    std = std[std > 0]
    if len(std) < 2:
        return None
    return float(std.min()), float(std.max())


def check_column_scales(X, recipe, *, own_net=False):
    """Warn when table columns' scales differ by more than 100x and nothing standardizes them.

    Parameters
    ----------
    X : ndarray or torch Dataset
        The training inputs.
    recipe : Recipe
        The study's recipe (``standardize``, ``eps``).
    own_net : bool, default=False
        The study trains a network of the user's, which may standardize its
        inputs itself: the warning says so.

    Returns
    -------
    ratio : float or None
        Largest over smallest column standard deviation when it warned, else None.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from sk_easycore.experiments import Recipe
    >>> X = np.array([[0.0, 100.0], [1.0, 300.0], [2.0, 500.0]])
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     ratio = check_column_scales(X, Recipe(model="small_mlp", clip_values=None))
    >>> ratio, type(caught[0].message).__name__
    (200.0, 'ColumnScaleWarning')
    """
    scales = column_scales(X)
    if scales is None or recipe.standardize:
        return None
    low, high = scales
    ratio = high / low
    if ratio <= SCALE_RATIO:
        return None
    eps = max(recipe.eps)
    _warn(ColumnScaleWarning, (
        f"the table's columns differ in scale by a factor of {ratio:.3g} (standard deviations "
        f"{low:.3g} to {high:.3g}) and the recipe does not standardize them: an eps is one "
        f"number for every column (eps {eps:.3g} is {eps / low:.3g} standard deviations of the "
        f"narrowest column and {eps / high:.3g} of the widest), and the model trains badly on "
        "such columns. Standardize the data first, or use a recipe with standardize=True "
        "(the default for tables)" + (", unless your network standardizes its inputs itself"
                                      if own_net else "") + "."))
    return ratio


def check_full_model(records, points=5.0):
    """Warn when a regime's full-data model is within ``points`` of the majority-class rate.

    Parameters
    ----------
    records : list of CellRecord or dict
        The study's cells.
    points : float, default=5.0
        Percentage points above the majority-class rate still called near chance.

    Returns
    -------
    found : list of tuple
        ``(regime, clean accuracy, majority rate)`` for each regime warned about.

    Examples
    --------
    >>> import warnings
    >>> recs = [{"method": "full", "fraction": 1.0, "regime": "standard", "seed": 0,
    ...          "metrics": {"clean": 0.42}, "class_counts": {"a": 40, "b": 60}}]
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     found = check_full_model(recs)
    >>> found, type(caught[0].message).__name__
    ([('standard', 0.42, 0.6)], 'NearChanceWarning')
    """
    found = near_chance(records, points)
    for regime, clean, majority in found:
        _warn(NearChanceWarning, (
            f"the full-data model of {regime!r} training reaches {100 * clean:.1f}% clean "
            f"accuracy, within {points:g} points of the majority-class rate "
            f"({100 * majority:.1f}% of the training rows): it has learned little, and its "
            "attacks and the differences between methods say little. Check the data (column "
            "scales, labels) and the recipe (epochs, learning rate)."))
    return found


def usable_frontier(frontier, y, class_balanced=True, *, given=True):
    """The frontier fractions that keep at least one row (of every class when class-balanced).

    Parameters
    ----------
    frontier : sequence of float
        The frontier's fractions.
    y : array-like of shape (n_samples,)
        The training labels.
    class_balanced : bool, default=True
        Whether the study selects within every class.
    given : bool, default=True
        True: the fractions were asked for, and one too small for the data is
        an error naming the smallest usable fraction. False (the default
        grid): those are dropped, in a line of the study's log.

    Returns
    -------
    frontier : list of float

    Examples
    --------
    >>> y = [0] * 30 + [1] * 200
    >>> usable_frontier([0.01, 0.02, 0.1], y, given=False)
    [0.02, 0.1]
    >>> usable_frontier([0.01, 0.1], y)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
        ...
    ValueError: frontier fraction 0.01 keeps no row of a class of 30 rows; use ...
    """
    from ..base import n_to_keep
    from ._config import _frontier

    frontier = _frontier(frontier)  # checked: fractions in (0, 1), or none
    counts = np.unique(np.asarray(y), return_counts=True)[1]
    smallest = int(counts.min()) if class_balanced else len(y)
    usable = [f for f in frontier if n_to_keep(smallest, f) > 0]
    dropped = [f for f in frontier if f not in usable]
    if dropped and given:
        raise ValueError(f"frontier fraction {dropped[0]:g} keeps no row of "
                         f"{'a class' if class_balanced else 'the data'} of {smallest} rows; "
                         f"use fractions >= {0.5 / smallest:.3g} (or frontier=() for none).")
    if dropped:
        logger.info("frontier fractions %s keep no row of %s of %d rows: left out",
                    ", ".join(f"{f:g}" for f in dropped),
                    "a class" if class_balanced else "the data", smallest)
    return usable

