"""Scores computed once and saved, to select for other models and studies.

``sk-easycore score`` trains the scoring proxy (a :class:`TrainingDynamics`) once on a
dataset's training split and writes an ``.npz`` with one array per score. ``sk-easycore
study --scores FILE`` then reuses AIGN (easycore, hardcore and the matched control)
and forgetting from it instead of training a proxy for them; the file remembers which
training rows it describes and is refused for any other data.
"""

import json
import os
import tempfile
from pathlib import Path

import joblib
import numpy as np

from ..scoring import TrainingDynamics
from ._recipes import load_dataset, make_net, recipe_for

__all__ = ["load_scores", "save_scores", "SAVED_SCORES"]

# name in the file -> attribute of the fitted TrainingDynamics
SAVED_SCORES = {"aign": "scores_", "forgetting": "forgetting_", "loss": "loss_",
                "el2n_final": "el2n_", "grand_final": "grand_"}


def save_scores(out, *, dataset="digits", data_root=None, seed=0, verbose=0,
                **recipe_overrides):
    """Train the dataset's scoring proxy once and save its per-sample scores to ``out``.

    The file is written atomically. It holds the arrays named in ``SAVED_SCORES``
    (``el2n_final``/``grand_final`` are taken at the end of the proxy's training,
    not early in training as GraNd/EL2N selectors score), the labels, a hash of
    the training rows, and the settings as JSON.

    Parameters
    ----------
    out : str or Path
        The file to write (``.npz`` is added when missing).
    dataset : str, default="digits"
        A study dataset (see :func:`load_dataset`); its training split is scored.
    data_root : str, Path or None, default=None
        CIFAR's local folder.
    seed : int, default=0
        Seeds the proxy's training.
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
    load_scores : Read the file back, checked against the data.

    Examples
    --------
    >>> import tempfile
    >>> path = save_scores(f"{tempfile.mkdtemp()}/digits", proxy_epochs=1)
    >>> X, y, _, _ = load_dataset("digits")
    >>> scores = load_scores(path, X, y)
    >>> path.suffix, sorted(scores), scores["aign"].shape
    ('.npz', ['aign', 'el2n_final', 'forgetting', 'grand_final', 'loss'], (1347,))
    """
    recipe = recipe_for(dataset).replace(**recipe_overrides)
    X, y, _, _ = load_dataset(dataset, data_root)
    net = make_net(recipe, X, len(np.unique(y)), epochs=recipe.proxy_epochs)
    proxy = TrainingDynamics(net, keep_outputs=False, random_state=seed, verbose=verbose)
    proxy.fit(X, y)
    arrays = {name: getattr(proxy, attr) for name, attr in SAVED_SCORES.items()
              if getattr(proxy, attr, None) is not None}
    settings = {"dataset": dataset, "seed": seed, "model": recipe.model,
                "proxy_epochs": recipe.proxy_epochs, "data_hash": joblib.hash((X, y))}
    path = Path(out)
    if path.suffix != ".npz":
        path = path.with_suffix(".npz")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz")
    os.close(fd)
    try:
        np.savez(tmp, y=y, settings=np.array(json.dumps(settings)), **arrays)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def load_scores(path, X, y):
    """The score arrays of a file written by :func:`save_scores`, checked against ``(X, y)``.

    Parameters
    ----------
    path : str or Path
        The ``.npz`` file.
    X, y : array-like
        The training rows the scores must describe (compared by hash).

    Returns
    -------
    scores : dict of {str: ndarray}
        ``aign``, ``forgetting``, ``loss``, ``el2n_final`` and ``grand_final``
        (those the proxy computed), one value per row.

    Raises
    ------
    ValueError
        If the file describes other training rows than ``(X, y)``.

    Examples
    --------
    >>> import tempfile
    >>> X, y, X_test, y_test = load_dataset("digits")
    >>> path = save_scores(f"{tempfile.mkdtemp()}/digits.npz", proxy_epochs=1)
    >>> load_scores(path, X, y)["forgetting"].shape
    (1347,)
    >>> load_scores(path, X_test, y_test)
    Traceback (most recent call last):
    ...
    ValueError: ... holds scores of other training data ...
    """
    with np.load(path, allow_pickle=False) as data:
        settings = json.loads(str(data["settings"]))
        if settings["data_hash"] != joblib.hash((X, y)):
            raise ValueError(
                f"{path} holds scores of other training data (computed for dataset "
                f"{settings['dataset']!r}); recompute them with `sk-easycore score` on this "
                "dataset.")
        return {name: data[name] for name in SAVED_SCORES if name in data.files}
