"""Penultimate-layer features in two dimensions, coloured by per-sample hardness."""

import numpy as np

from ._common import current_ax, scores_of

__all__ = ["embed_2d", "plot_embedding"]

METHODS = ("auto", "umap", "pca")


def plot_embedding(source, scores=None, *, X=None, y=None, method="auto", log=True,
                   label="AIGN", random_state=0, ax=None):
    """Draw a 2D picture of penultimate-layer features, each sample coloured by its score.

    The features come from a fitted :class:`~sk_easycore.TrainingDynamics`
    (its ``embeddings_`` and, by default, its ``scores_``), from a module with
    an ``embed`` method or a fitted skorch net whose module has one (applied to
    ``X`` in eval mode), or are given as an array. They are reduced to two
    dimensions with UMAP when ``umap-learn`` is installed
    (``pip install 'sk-easycore[umap]'``) and with PCA otherwise; the title says
    which. The samples are drawn in increasing order of score, so the rare
    hardest ones lie on top of the easy crowd instead of under it. Never calls
    ``plt.show()``.

    Parameters
    ----------
    source : fitted TrainingDynamics, torch.nn.Module, skorch net or array-like
        Where the features come from; an array is of shape
        (n_samples, n_features).
    scores : array-like of shape (n_samples,), fitted scorer or None, default=None
        The colour of each sample; None takes ``source.scores_`` (AIGN).
    X : array-like or None, default=None
        The inputs, needed when ``source`` is a module or a net.
    y : array-like of shape (n_samples,) or None, default=None
        Class labels; when given, each class's label is written at the median
        of its points, outlined in white rather than boxed.
    method : {"auto", "umap", "pca"}, default="auto"
        The reduction; "auto" is UMAP when importable, else PCA.
    log : bool, default=True
        Colour on a logarithmic scale (when every score is positive): AIGN is
        strongly skewed and a linear scale shows one bright corner.
    label : str, default="AIGN"
        The score's name on the colour bar.
    random_state : int, default=0
        Seeds UMAP.
    ax : matplotlib Axes or None, default=None
        Where to draw; None uses ``plt.gca()``.

    Returns
    -------
    ax : matplotlib Axes

    See Also
    --------
    embed_2d : The reduction alone.

    Examples
    --------
    >>> import numpy as np
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> rng = np.random.default_rng(0)
    >>> features, scores = rng.normal(size=(100, 16)), rng.gamma(2.0, size=100)
    >>> ax = plot_embedding(features, scores, method="pca", ax=plt.figure().gca())
    >>> ax.get_title()
    'AIGN of 100 samples on penultimate features (PCA)'
    >>> np.allclose(ax.collections[0].get_array(), np.sort(scores))  # hardest drawn last
    True
    >>> plt.close("all")
    """
    from matplotlib.colors import LogNorm, Normalize
    from matplotlib.patheffects import withStroke

    ax = current_ax(ax)
    features = _features(source, X)
    scores = scores_of(source if scores is None else scores)
    if len(scores) != len(features):
        raise ValueError(f"{len(scores)} scores for {len(features)} embedded samples.")
    points, used = embed_2d(features, method=method, random_state=random_state)
    log = log and bool((scores > 0).all())
    norm = (LogNorm if log else Normalize)(scores.min(), scores.max())
    order = np.argsort(scores, kind="stable")  # the hardest samples drawn last, on top
    dots = ax.scatter(*points[order].T, c=scores[order], s=8, cmap="viridis", norm=norm,
                      linewidths=0)
    ax.figure.colorbar(dots, ax=ax, label=f"{label} ({'log' if log else 'linear'} scale)")
    if y is not None:
        y = np.asarray(y)
        # an outline, not a box: a label hides no more points than its glyphs
        outline = [withStroke(linewidth=3, foreground="white")]
        for c in np.unique(y):
            cx, cy = np.median(points[y == c], axis=0)
            ax.text(cx, cy, str(c), ha="center", va="center", fontweight="bold",
                    path_effects=outline)
    ax.set_xlabel(f"{used} 1")
    ax.set_ylabel(f"{used} 2")
    ax.set_title(f"{label} of {len(scores)} samples on penultimate features ({used})")
    return ax


def embed_2d(features, *, method="auto", random_state=0):
    """Reduce features to two dimensions with UMAP (if installed) or PCA.

    Parameters
    ----------
    features : array-like of shape (n_samples, n_features)
        The features.
    method : {"auto", "umap", "pca"}, default="auto"
        "auto" is UMAP when ``umap-learn`` is importable, else PCA.
    random_state : int, default=0
        Seeds UMAP (PCA is deterministic).

    Returns
    -------
    points : ndarray of shape (n_samples, 2)
        The 2D coordinates.
    method : str
        The reduction used, "UMAP" or "PCA".

    Examples
    --------
    >>> import numpy as np
    >>> points, used = embed_2d(np.eye(5), method="pca")
    >>> points.shape, used
    ((5, 2), 'PCA')
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}.")
    features = np.asarray(features, dtype=np.float64).reshape(len(features), -1)
    if method in ("auto", "umap"):
        try:
            import umap
        except ImportError:
            if method == "umap":
                raise ImportError("method='umap' needs umap-learn: "
                                  "pip install 'sk-easycore[umap]'.") from None
        else:
            reducer = umap.UMAP(n_components=2, random_state=random_state)
            return np.asarray(reducer.fit_transform(features)), "UMAP"
    from sklearn.decomposition import PCA

    return PCA(n_components=2).fit_transform(features), "PCA"


def _features(source, X):
    embeddings = getattr(source, "embeddings_", None)
    if embeddings is not None:
        return np.asarray(embeddings)
    module = getattr(source, "module_", source)
    if hasattr(module, "embed"):
        if X is None:
            raise ValueError("X is needed to embed with a module or a net.")
        return _embed(module, X)
    if hasattr(source, "embeddings_"):
        raise ValueError("this TrainingDynamics kept no embeddings (keep_outputs=False).")
    return np.asarray(source)


def _embed(module, X, batch_size=512):
    import torch

    parameter = next(module.parameters(), None)
    device = parameter.device if parameter is not None else "cpu"
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            X = torch.as_tensor(np.asarray(X, dtype=np.float32))
            parts = [module.embed(X[i:i + batch_size].to(device)).cpu().numpy()
                     for i in range(0, len(X), batch_size)]
    finally:
        module.train(was_training)
    return np.concatenate(parts).reshape(len(X), -1)
