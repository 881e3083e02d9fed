"""Helpers shared by the plotting functions: axes, colours, scores and study records."""

import os

import numpy as np

__all__ = ["class_colors", "method_colors", "method_order", "new_axes", "scores_of", "split_metric",
           "study_records"]

FULL = "full"  # the study's full-data row


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

    from ..experiments import METHOD_NAMES

    order = [*METHOD_NAMES, FULL]
    palette = colormaps["tab20"].colors
    colors = {}
    for m in methods:
        i = order.index(m) if m in order else len(order) + sorted(methods).index(m)
        # tab20 pairs dark and light shades: take the dark ones first
        colors[m] = palette[(2 * i) % 20 + (2 * i // 20) % 2]
    return colors


def method_order(method):
    """Sort key: the order of ``METHOD_NAMES`` (EasyCore, random, the control first)."""
    from ..experiments import METHOD_NAMES

    return (METHOD_NAMES.index(method) if method in METHOD_NAMES else len(METHOD_NAMES), method)


def scores_of(scores):
    """A 1-D float array from an array or a fitted scorer's ``scores_``."""
    scores = getattr(scores, "scores_", scores)
    scores = np.asarray(scores, dtype=float)
    if scores.ndim != 1:
        raise ValueError(f"scores must be one value per sample; got shape {scores.shape}.")
    return scores


def split_metric(metric):
    """``"pgd@0.05"`` -> ``("pgd", 0.05)``; ``"clean"`` -> ``("clean", 0.0)``."""
    attack, _, eps = metric.partition("@")
    return attack, float(eps) if eps else 0.0


def study_records(source):
    """The cell records of a study folder, a ``StudyResult`` or a list of records."""
    if isinstance(source, (str, os.PathLike)):
        from ..experiments._store import StudyStore

        store = StudyStore(source)
        store.load_config()  # a clear error for a folder that is not a study
        return store.load_cells()
    records = getattr(source, "records", source)
    records = list(records)
    if records and not all(isinstance(r, dict) and "metrics" in r for r in records):
        raise TypeError("expected a study folder, a StudyResult or a list of cell records "
                        "(dicts with 'method', 'fraction', 'regime', 'seed' and 'metrics').")
    return records
