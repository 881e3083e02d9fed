"""The names every study shares: the full-data row, the class-matched control, display order."""

__all__ = ["DISPLAY_ORDER", "FULL", "MATCHED_CONTROL", "method_order"]

FULL = "full"
MATCHED_CONTROL = "matched_random"
# EasyCore and its controls first, then the baselines; a method not listed here (a user's
# own) sorts after them by name, so adding a method never needs this tuple.
DISPLAY_ORDER = (
    "easycore", "random", MATCHED_CONTROL, "hardcore", "grand", "el2n", "forgetting",
    "least_confidence", "entropy", "margin", "deepfool", "moderate", "herding", "kcenter",
    "contextual_diversity", "cal", "graphcut", "facility_location", "glister",
)


def method_order(method):
    """Sort key of a method name: ``DISPLAY_ORDER`` first, then other names, then ``full``.

    Parameters
    ----------
    method : str
        A method name.

    Returns
    -------
    key : tuple

    Examples
    --------
    >>> sorted(["full", "zeta", "random", "easycore"], key=method_order)
    ['easycore', 'random', 'zeta', 'full']
    """
    if method == FULL:
        return (2, 0, method)
    if method in DISPLAY_ORDER:
        return (0, DISPLAY_ORDER.index(method), method)
    return (1, 0, method)
