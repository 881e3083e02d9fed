"""Decision boundaries of a classifier on 2D data, with a coreset's points marked."""

import numpy as np
from sklearn.base import clone

from ._common import class_colors, current_ax, new_axes

__all__ = ["plot_coreset_boundaries", "plot_decision_boundary"]


def plot_decision_boundary(estimator, X, y, *, coreset=None, resolution=150, ax=None,
                           title=None):
    """Draw a fitted classifier's predicted class over the plane, and the data on top.

    The background shows the class ``estimator.predict`` gives at every point
    of a ``resolution x resolution`` grid over the data (class colours in
    sorted label order: ``tab10``, as in :func:`plot_score_distribution`). With
    a ``coreset``, its points are drawn large with a black edge, one legend
    entry per class, and the other rows small and faint. Never calls
    ``plt.show()``.

    Parameters
    ----------
    estimator : fitted classifier
        Anything with ``predict`` on rows shaped like ``X`` (a skorch net,
        a pipeline, a scikit-learn classifier).
    X : array-like of shape (n_samples, 2)
        The points (for example :func:`~sk_easycore.datasets.make_synthetic_2d`).
    y : array-like of shape (n_samples,)
        Their labels.
    coreset : array-like of int or bool, fitted selector or None, default=None
        The rows to mark: indices, a boolean mask, or a fitted selector (its
        ``sample_indices_``). None draws every row the same way.
    resolution : int, default=150
        Grid points per axis.
    ax : matplotlib Axes or None, default=None
        Where to draw; None uses ``plt.gca()``.
    title : str or None, default=None
        The axis title; None uses the estimator's class name.

    Returns
    -------
    ax : matplotlib Axes

    See Also
    --------
    plot_coreset_boundaries : Train on several coresets and draw them side by side.

    Examples
    --------
    >>> import numpy as np
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from sk_easycore.datasets import make_synthetic_2d
    >>> X, y = make_synthetic_2d(300, random_state=0)
    >>> knn = KNeighborsClassifier().fit(X, y)
    >>> ax = plot_decision_boundary(knn, X, y, coreset=np.arange(30), ax=plt.figure().gca())
    >>> ax.images[0].get_array().shape, sum(len(c.get_offsets()) for c in ax.collections)
    ((150, 150), 300)
    >>> plt.close("all")
    """
    from matplotlib.colors import ListedColormap

    ax = current_ax(ax)
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"X must have two columns; got shape {X.shape}.")
    classes = np.unique(y)
    colors = class_colors(len(classes))
    (x0, x1), (y0, y1) = _limits(X[:, 0]), _limits(X[:, 1])
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.column_stack([gx.ravel(), gy.ravel()]).astype(X.dtype)
    predicted = np.searchsorted(classes, np.asarray(estimator.predict(grid)))
    ax.imshow(predicted.reshape(gx.shape), origin="lower", extent=(x0, x1, y0, y1),
              cmap=ListedColormap(colors), vmin=-0.5, vmax=len(classes) - 0.5, alpha=0.3,
              interpolation="nearest", aspect="auto")
    y_index = np.searchsorted(classes, y)
    kept = _mask(coreset, len(X))
    if kept is not None and (~kept).any():
        ax.scatter(*X[~kept].T, s=6, c=colors[y_index[~kept]], alpha=0.35, linewidths=0,
                   label=f"not in coreset ({int((~kept).sum())})")
    kept = np.ones(len(X), bool) if kept is None else kept
    for k, label in enumerate(classes):
        rows = kept & (y_index == k)
        ax.scatter(*X[rows].T, s=18 if coreset is not None else 8, color=colors[k],
                   edgecolors="k" if coreset is not None else "none", linewidths=0.5,
                   label=f"class {label}" + (" in coreset" if coreset is not None else ""))
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("x[0]")
    ax.set_ylabel("x[1]")
    ax.set_title(type(estimator).__name__ if title is None else title)
    ax.legend(fontsize="x-small", loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=2,
              frameon=False)
    return ax


def plot_coreset_boundaries(estimator, X, y, coresets, *, X_test=None, y_test=None,
                            resolution=150, axes=None):
    """Train a clone of ``estimator`` on each coreset and draw their boundaries side by side.

    The one-call picture of the EasyCore paper's 2D experiment: pass, for
    example, easiest-, hardest- and random-fraction selectors, and see which
    coreset gives the smoothest boundary. Each panel is
    :func:`plot_decision_boundary` of the model trained on that coreset, with
    the coreset's points marked; its title gives the coreset size and, with
    ``X_test``, the model's test accuracy.

    Parameters
    ----------
    estimator : classifier
        The model to train (cloned for every coreset, never modified).
    X : array-like of shape (n_samples, 2)
        The training points.
    y : array-like of shape (n_samples,)
        Their labels.
    coresets : dict of {str: selector, array-like of int or bool}
        One panel per entry, in order: an unfitted selector is fitted with
        ``fit_resample(X, y)``, a fitted one gives its ``sample_indices_``,
        an array gives the rows directly.
    X_test, y_test : array-like or None, default=None
        When given, each panel's title reports the model's accuracy on them.
    resolution : int, default=150
        Grid points per axis.
    axes : sequence of matplotlib Axes or None, default=None
        One axis per coreset; None makes a new figure with one row of panels.

    Returns
    -------
    axes : list of matplotlib Axes
        One per coreset.

    Examples
    --------
    >>> import numpy as np
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from sk_easycore import RandomSelector
    >>> from sk_easycore.datasets import make_synthetic_2d
    >>> X, y = make_synthetic_2d(300, random_state=0)
    >>> axes = plot_coreset_boundaries(
    ...     KNeighborsClassifier(), X, y,
    ...     {"first 60": np.arange(60), "random 0.2": RandomSelector(frac=0.2, random_state=0)})
    >>> [ax.get_title() for ax in axes]
    ['first 60: 60 points', 'random 0.2: 60 points']
    >>> plt.close("all")
    """
    X, y = np.asarray(X), np.asarray(y)
    if not isinstance(coresets, dict) or not coresets:
        raise TypeError("coresets must be a non-empty dict {name: selector or indices}.")
    axes = new_axes(axes, len(coresets), panel=(4.6, 5.0))
    for ax, (name, coreset) in zip(axes, coresets.items()):
        rows = np.flatnonzero(_mask(_fitted(coreset, X, y), len(X)))
        model = clone(estimator).fit(X[rows], y[rows])
        title = f"{name}: {len(rows)} points"
        if X_test is not None:
            accuracy = np.mean(np.asarray(model.predict(np.asarray(X_test))) == np.asarray(y_test))
            title += f"\ntest accuracy {accuracy:.2f}"
        plot_decision_boundary(model, X, y, coreset=rows, resolution=resolution, ax=ax,
                               title=title)
    return axes


def _fitted(coreset, X, y):
    if hasattr(coreset, "fit_resample") and not hasattr(coreset, "sample_indices_"):
        coreset = clone(coreset)
        coreset.fit_resample(X, y)
    return coreset


def _mask(coreset, n_samples):
    """A boolean mask of the coreset rows, or None for no coreset."""
    if coreset is None:
        return None
    coreset = np.asarray(getattr(coreset, "sample_indices_", coreset))
    if coreset.dtype == bool:
        if coreset.shape != (n_samples,):
            raise ValueError(f"a boolean coreset needs {n_samples} entries; got {coreset.shape}.")
        return coreset
    mask = np.zeros(n_samples, bool)
    mask[coreset.astype(int)] = True
    return mask


def _limits(values, margin=0.05):
    low, high = float(values.min()), float(values.max())
    pad = margin * (high - low or 1.0)
    return low - pad, high + pad
