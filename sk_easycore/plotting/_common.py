"""Helpers shared by the plotting functions: axes, colours, scores and study records."""

import os

import numpy as np

from ..results import DISPLAY_ORDER, FULL, StudyStore, as_record, method_order

__all__ = ["FULL", "class_colors", "method_colors", "method_order", "new_axes", "scores_of",
           "study_records"]


def current_ax(ax):
    """``ax``, or pyplot's current axes when None (pyplot is imported only then)."""
    if ax is None:
        import matplotlib.pyplot as plt

        ax = plt.gca()
    return ax


def new_axes(axes, n, *, ncols=None, panel=(4.0, 3.2)):
    """A flat list of ``n`` axes: the given ones, or a new pyplot figure of panels."""
    if axes is not None:
        flat = list(np.ravel(axes))
        if len(flat) < n:
            raise ValueError(f"need {n} axes, got {len(flat)}.")
        return flat[:n]
    import matplotlib.pyplot as plt

    ncols = n if ncols is None else ncols
    nrows = -(-n // ncols)
    _, axes = plt.subplots(nrows, ncols, figsize=(panel[0] * ncols, panel[1] * nrows),
                           squeeze=False, layout="constrained")
    return list(axes.ravel())[:n]


def class_colors(n_classes):
    """One RGBA colour per class: tab10 up to ten classes, tab20 up to twenty, then hsv."""
    from matplotlib import colormaps

    if n_classes <= 10:
        return colormaps["tab10"](np.arange(n_classes))
    if n_classes <= 20:
        return colormaps["tab20"](np.arange(n_classes))
    return colormaps["hsv"](np.linspace(0, 1, n_classes, endpoint=False))


def method_colors(methods):
    """A fixed colour per coreset method (EasyCore always blue, random always orange)."""
    from matplotlib import colormaps

    order = [*DISPLAY_ORDER, FULL]
    palette = colormaps["tab20"].colors
    colors = {}
    for m in methods:
        i = order.index(m) if m in order else len(order) + sorted(methods).index(m)
        # tab20 pairs dark and light shades: take the dark ones first
        colors[m] = palette[(2 * i) % 20 + (2 * i // 20) % 2]
    return colors


def scores_of(scores):
    """A 1-D float array from an array or a fitted scorer's ``scores_``."""
    scores = getattr(scores, "scores_", scores)
    scores = np.asarray(scores, dtype=float)
    if scores.ndim != 1:
        raise ValueError(f"scores must be one value per sample; got shape {scores.shape}.")
    return scores


def study_records(source):
    """The cell records (``CellRecord``) of a study folder, a ``StudyResult`` or a list."""
    if isinstance(source, (str, os.PathLike)):
        store = StudyStore(source)
        store.load_config()  # a clear error for a folder that is not a study
        return store.load_cells()
    records = list(getattr(source, "records", source))
    try:
        return [as_record(r) for r in records]
    except (TypeError, ValueError):
        raise TypeError("expected a study folder, a StudyResult or a list of cell records "
                        "(CellRecord, or dicts with 'method', 'fraction', 'regime', 'seed' and "
                        "'metrics').") from None
