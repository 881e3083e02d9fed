"""Scores computed once and saved, to select for other models and studies.

``sk-easycore score`` trains a study's proxy (a :class:`TrainingDynamics`) once on the
training split and writes an ``.npz`` with its per-sample scores, final outputs and
weights (:func:`~sk_easycore.scoring.save_dynamics`). ``sk-easycore study --scores FILE``
then reads every method's proxy from it (a
:class:`~sk_easycore.scoring.PrecomputedDynamics`): each method selects exactly what it
selects from the proxy that wrote the file. The file remembers which training rows it
describes and is refused for any other data.
"""

from .._cache import seeded_clone
from ..scoring import FILE_ARRAYS, PrecomputedDynamics, TrainingDynamics, save_dynamics
from ._cells import study_net
from ._study import prepare_study

__all__ = ["load_scores", "save_scores"]


def save_scores(out, data="digits", *, net=None, data_root=None, seed=0, verbose=0,
                **recipe_overrides):
    """Train a study's proxy for ``seed`` once and save it to ``out`` (an ``.npz`` file).

    The proxy is the one a study with the same data, network, recipe and seed
    trains (same network, epochs and initialisation), so a study given the
    file with ``scores=`` selects the coresets that study would select.

    Parameters
    ----------
    out : str or Path
        The file to write (``.npz`` is added when missing), atomically.
    data : str or tuple, default="digits"
        As in :func:`run_study`; its training split is scored.
    net : None, skorch net or callable, default=None
        As in :func:`run_study`.
    data_root : str, Path or None, default=None
        The folder a registered dataset is read from (CIFAR).
    seed : int, default=0
        The study seed whose proxy this is.
    verbose : int, default=0
        1 shows a progress bar over epochs.
    **recipe_overrides
        :class:`Recipe` fields to change, e.g. ``proxy_epochs=5``.

    Returns
    -------
    path : Path
        The written file.

    See Also
    --------
    load_scores : Read the arrays back, checked against the data.

    Examples
    --------
    >>> import tempfile
    >>> from sk_easycore.experiments import load_dataset
    >>> path = save_scores(f"{tempfile.mkdtemp()}/digits", proxy_epochs=1)
    >>> X, y, _, _ = load_dataset("digits")
    >>> scores = load_scores(path, X, y)
    >>> path.suffix, scores["aign"].shape, scores["embeddings"].shape
    ('.npz', (1347,), (1347, 128))
    """
    config, _, data = prepare_study(data, net=net, data_root=data_root, **recipe_overrides)
    proxy_net = study_net(config, net, data, data.n_classes, epochs=config.recipe.proxy_epochs,
                          seed=int(seed))
    proxy = seeded_clone(TrainingDynamics(proxy_net, verbose=verbose), int(seed))
    proxy.fit(data.X_train, data.y_train)
    settings = {"data": config.data, "seed": int(seed), "net": config.net,
                "model": config.recipe.model, "proxy_epochs": config.recipe.proxy_epochs}
    return save_dynamics(proxy, out, data.X_train, data.y_train, settings=settings)


def load_scores(path, X, y):
    """The per-sample arrays of a scores file, checked against the training data ``(X, y)``.

    Parameters
    ----------
    path : str or Path
        A file of :func:`save_scores` (or :func:`~sk_easycore.scoring.save_dynamics`).
    X, y : array-like or Dataset, and labels
        The training rows the scores must describe (compared by fingerprint).

    Returns
    -------
    scores : dict of {str: ndarray}
        ``aign``, ``loss``, ``el2n_final``, ``grand_final``, ``forgetting``,
        ``learned``, ``probas``, ``embeddings`` (those the proxy computed).

    Raises
    ------
    ValueError
        If the file describes other training rows than ``(X, y)``.

    Examples
    --------
    >>> import tempfile
    >>> from sk_easycore.experiments import load_dataset
    >>> X, y, X_test, y_test = load_dataset("digits")
    >>> path = save_scores(f"{tempfile.mkdtemp()}/digits.npz", proxy_epochs=1)
    >>> load_scores(path, X, y)["forgetting"].shape
    (1347,)
    >>> load_scores(path, X_test, y_test)
    Traceback (most recent call last):
    ...
    ValueError: ... holds scores of other training data ...
    """
    proxy = PrecomputedDynamics(path).fit(X, y)
    return {name: getattr(proxy, attr) for name, attr in FILE_ARRAYS.items()
            if attr != "classes_" and getattr(proxy, attr, None) is not None}
