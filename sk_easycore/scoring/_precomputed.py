"""Scores saved once and read back as a fitted proxy: ``save_dynamics`` and ``PrecomputedDynamics``."""

import io
import json
import zipfile
import zlib
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, clone
from sklearn.utils._param_validation import HasMethods

from ..data import dataset_labels, fingerprint, is_dataset
from ..results import atomic_write
from ..utils import load_weights

__all__ = ["PrecomputedDynamics", "save_dynamics"]

# name in the file -> attribute of a fitted TrainingDynamics
FILE_ARRAYS = {"aign": "scores_", "loss": "loss_", "el2n_final": "el2n_",
               "grand_final": "grand_", "forgetting": "forgetting_", "learned": "learned_",
               "probas": "probas_", "embeddings": "embeddings_", "classes": "classes_"}


def save_dynamics(proxy, path, X, y, *, settings=None):
    """Write a fitted proxy's per-sample scores, outputs and weights to an ``.npz`` file.

    The file holds every array of ``FILE_ARRAYS`` the proxy set, its network's
    weights (``net_.module_.state_dict()``, for the methods that need the
    network, such as DeepFool), the labels, a fingerprint of ``(X, y)`` and
    ``settings`` as JSON. It is written atomically. Read it back with
    :class:`PrecomputedDynamics`.

    Parameters
    ----------
    proxy : TrainingDynamics or AIGNScorer
        Fitted on ``(X, y)``.
    path : str or Path
        The file (``.npz`` is added when missing).
    X, y : array-like or Dataset, and labels
        The training data the proxy was fitted on.
    settings : dict or None, default=None
        JSON-ready notes stored beside (dataset, seed, epochs, ...).

    Returns
    -------
    path : Path
        The written file.

    Examples
    --------
    >>> import tempfile
    >>> from sk_easycore.datasets import load_digits_images
    >>> from sk_easycore.scoring import TrainingDynamics
    >>> X, y = load_digits_images()
    >>> proxy = TrainingDynamics(max_epochs=1, random_state=0).fit(X[:100], y[:100])
    >>> path = save_dynamics(proxy, f"{tempfile.mkdtemp()}/scores", X[:100], y[:100])
    >>> loaded = PrecomputedDynamics(path).fit(X[:100], y[:100])
    >>> bool((loaded.scores_ == proxy.scores_).all()), loaded.embeddings_.shape
    (True, (100, 128))
    """
    import torch

    if y is None:
        y = dataset_labels(X)
    y = np.asarray(y)
    arrays = {name: np.asarray(getattr(proxy, attr)) for name, attr in FILE_ARRAYS.items()
              if getattr(proxy, attr, None) is not None}
    buffer = io.BytesIO()
    torch.save({k: v.cpu() for k, v in proxy.net_.module_.state_dict().items()}, buffer)
    arrays["module_state"] = np.frombuffer(buffer.getvalue(), dtype=np.uint8)
    meta = {"data_hash": fingerprint(X, y), "n_samples": len(y), **(settings or {})}
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_suffix(".npz")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda f: np.savez(f, y=y, settings=np.array(json.dumps(meta)), **arrays),
                 binary=True)
    return path


class PrecomputedDynamics(BaseEstimator):
    """A proxy whose scores come from a file written by :func:`save_dynamics`.

    ``fit(X, y)`` trains nothing: it checks that the file describes exactly
    these training rows (by fingerprint) and sets the attributes a fitted
    :class:`TrainingDynamics` has, so that every selector reads the same
    scores, outputs and tie-breaks from it as from the proxy that wrote the
    file: ``EasyCoreSelector(PrecomputedDynamics(path))`` keeps what
    ``EasyCoreSelector(that_proxy)`` kept. With ``net``, the saved weights are
    loaded into a fresh copy of it, as ``net_``.

    Parameters
    ----------
    path : str or Path
        The ``.npz`` file.
    net : skorch.NeuralNetClassifier or None, default=None
        The network the weights belong to, as it was built for the proxy
        (cloned and initialized, then given the weights); None sets no ``net_``.

    Attributes
    ----------
    scores_, loss_, el2n_, grand_, forgetting_, learned_, probas_, embeddings_, classes_
        As saved (those the proxy had).
    net_ : skorch.NeuralNetClassifier
        With ``net``: the network with the saved weights.
    settings_ : dict
        The notes stored in the file.

    Examples
    --------
    See :func:`save_dynamics`. A file made for other data is refused:

    >>> import tempfile
    >>> from sk_easycore.datasets import load_digits_images
    >>> from sk_easycore.scoring import TrainingDynamics
    >>> X, y = load_digits_images()
    >>> proxy = TrainingDynamics(max_epochs=1, random_state=0).fit(X[:100], y[:100])
    >>> path = save_dynamics(proxy, f"{tempfile.mkdtemp()}/s.npz", X[:100], y[:100])
    >>> PrecomputedDynamics(path).fit(X[100:200], y[100:200])
    Traceback (most recent call last):
    ...
    ValueError: ... holds scores of other training data ...
    """

    _deterministic = True  # reads a file: the same result for the same data
    _parameter_constraints = {
        "path": [str, Path],
        "net": [HasMethods(["initialize"]), None],
    }

    def __init__(self, path=None, *, net=None):
        self.path = path
        self.net = net

    def fit(self, X, y=None):
        """Read the file and check it describes ``(X, y)``.

        Parameters
        ----------
        X : array-like or torch.utils.data.Dataset
            The training data the scores must describe.
        y : array-like of shape (n_samples,) or None
            Its labels (None: a dataset's own).

        Returns
        -------
        self : PrecomputedDynamics
        """
        self._validate_params()
        if y is None and is_dataset(X):
            y = dataset_labels(X)
        y = np.asarray(y)
        try:
            data, state = self._read()
        except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile, zlib.error) as exc:
            why = f"{type(exc).__name__}: {exc}"
            if "allow_pickle" in why:  # never numpy's advice to unpickle
                why = "not an .npz archive of numeric arrays; nothing in it was run"
            raise ValueError(f"{self.path} is not a readable scores file ({why}); write one "
                             "with save_dynamics or `sk-easycore score`.") from None
        self.settings_ = data.pop("settings")
        if self.settings_["data_hash"] != fingerprint(X, y):
            raise ValueError(
                f"{self.path} holds scores of other training data "
                f"({self.settings_.get('n_samples')} rows of "
                f"{self.settings_.get('data', 'unnamed data')!r}); compute them again on "
                "this data (`sk-easycore score`).")
        for name, attr in FILE_ARRAYS.items():
            if name in data:
                setattr(self, attr, data[name])
        if not hasattr(self, "classes_"):
            self.classes_ = np.unique(y)
        if self.net is not None and state is not None:
            net = clone(self.net).initialize()
            net.module_.load_state_dict(
                load_weights(state, f"{self.path}['module_state']", net.device))
            self.net_ = net
        return self

    def _read(self):
        """``({name: array, "settings": dict}, weights bytes or None)``; nothing is unpickled."""
        with np.load(self.path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in FILE_ARRAYS if name in data.files}
            arrays["settings"] = json.loads(str(data["settings"]))
            if not isinstance(arrays["settings"], dict) or "data_hash" not in arrays["settings"]:
                raise KeyError("settings has no data_hash")
            state = data["module_state"].tobytes() if "module_state" in data.files else None
        return arrays, state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        return tags
