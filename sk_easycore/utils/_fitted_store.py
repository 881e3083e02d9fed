"""A fitted estimator saved as arrays, JSON and a state dict: reading it back runs nothing.

The disk cache of fitted proxies (``memory=``, a study's ``proxies/``) used to be
joblib pickles, and unpickling a planted file runs its code. Here an entry is a
folder holding ``arrays.npz`` (read with ``allow_pickle=False``), ``fitted.json``
and, for an estimator with a skorch ``net_``, ``weights.pt`` (read with
``torch.load(weights_only=True)``). An estimator whose fitted state is anything
else is simply not saved (it stays in the in-process cache).
"""

import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
from sklearn.base import clone

from ._torch import load_weights, torch_seed

__all__ = ["load_fitted", "save_fitted"]

logger = logging.getLogger(__name__)

FORMAT = 1
_SCALARS = (bool, int, float, str, type(None))


def _plain_array(value):
    return isinstance(value, np.ndarray) and value.dtype != object


def _split_state(fitted):
    """``(arrays, meta)`` of the fitted attributes, or None when one cannot be stored safely."""
    arrays, meta = {}, {"values": {}, "arrays": [], "array_dicts": {}}
    for name, value in vars(fitted).items():
        if not name.endswith("_") or name.startswith("_") or name == "net_":
            continue
        if isinstance(value, np.generic):
            value = value.item()
        if _plain_array(value):
            arrays[name] = value
            meta["arrays"].append(name)
        elif isinstance(value, dict) and value and all(
                _plain_array(v) or v is None for v in value.values()):
            meta["array_dicts"][name] = {str(k): v is not None for k, v in value.items()}
            arrays.update({f"{name}[{k}]": v for k, v in value.items() if v is not None})
        else:
            try:  # anything JSON keeps exactly (numbers, strings, lists, dicts of them)
                if json.loads(json.dumps(value)) != value:
                    return None
            except (TypeError, ValueError):
                logger.debug("%s.%s (%s) cannot be stored without pickling",
                             type(fitted).__name__, name, type(value).__name__)
                return None
            meta["values"][name] = value
    return arrays, meta


def _net_meta(fitted, input_shape):
    """What rebuilds ``fitted.net_``, or None when it cannot be rebuilt."""
    net = fitted.net_
    if not hasattr(net, "module_") or not (hasattr(fitted, "_make_net") or
                                           getattr(fitted, "net", None) is not None):
        return None
    history = net.history.to_list() if hasattr(net, "history") else []
    try:
        history = json.loads(json.dumps(history))
    except (TypeError, ValueError):
        history = []
    classes = getattr(net, "classes_inferred_", None)
    return {"input_shape": list(input_shape), "history": history,
            "classes_inferred": None if classes is None else np.asarray(classes).tolist()}


def save_fitted(fitted, folder, *, key, input_shape):
    """Save a fitted estimator into ``folder`` (made atomically); return False if it cannot be.

    Parameters
    ----------
    fitted : estimator
        Fitted; its attributes ending in ``_`` are saved (numeric arrays,
        dicts of them, JSON values) and its skorch ``net_``'s weights.
    folder : str or Path
        The entry's folder; it appears complete or not at all. An entry already
        there (written meanwhile by another process) is kept.
    key : str
        The cache key, stored and checked on reading.
    input_shape : tuple of int
        The shape of one input row, to rebuild the network.

    Returns
    -------
    saved : bool

    Examples
    --------
    >>> import tempfile
    >>> from sklearn.preprocessing import StandardScaler
    >>> fitted = StandardScaler().fit([[0.0], [2.0]])
    >>> folder = Path(tempfile.mkdtemp()) / "entry"
    >>> save_fitted(fitted, folder, key="k", input_shape=(1,))
    True
    >>> load_fitted(StandardScaler(), folder, key="k").transform([[4.0]]).tolist()
    [[3.0]]
    """
    unfitted = vars(clone(fitted))
    if any(name.startswith("_") and name not in unfitted for name in vars(fitted)):
        return False  # private fitted state this format does not know about
    state = _split_state(fitted)
    if state is None:
        return False
    arrays, meta = state
    net = None
    if hasattr(fitted, "net_"):
        net = _net_meta(fitted, input_shape)
        if net is None:
            return False
    meta.update(format=FORMAT, key=key, estimator=type(fitted).__qualname__, net=net)
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".tmp", dir=folder.parent))
    try:
        with open(tmp / "arrays.npz", "wb") as f:
            np.savez(f, **arrays)
        if net is not None:
            import torch

            weights = {k: v.detach().cpu() for k, v in fitted.net_.module_.state_dict().items()}
            torch.save(weights, tmp / "weights.pt")
        (tmp / "fitted.json").write_text(json.dumps(meta), encoding="utf-8")
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp's 0o700 would hide it from the group
        try:
            os.rename(tmp, folder)
        except OSError:  # another process saved the same entry first
            if not (folder / "fitted.json").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return True


def _umask():
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def load_fitted(estimator, folder, *, key):
    """Rebuild the fitted ``estimator`` saved by :func:`save_fitted` in ``folder``.

    Nothing in the folder is executed: arrays are read with
    ``allow_pickle=False``, the rest is JSON, and the network's weights are
    read with ``torch.load(weights_only=True)``.

    Parameters
    ----------
    estimator : estimator
        The unfitted estimator (cloned) whose fit was saved.
    folder : str or Path
    key : str
        The cache key the entry must carry.

    Returns
    -------
    fitted : estimator

    Raises
    ------
    ValueError
        Naming the folder, when the entry is damaged or is not this estimator's.

    Examples
    --------
    An entry is only read back for its own estimator and key:

    >>> import tempfile
    >>> from sklearn.preprocessing import StandardScaler
    >>> folder = Path(tempfile.mkdtemp()) / "entry"
    >>> save_fitted(StandardScaler().fit([[1.0]]), folder, key="a", input_shape=(1,))
    True
    >>> load_fitted(StandardScaler(), folder, key="b")
    Traceback (most recent call last):
    ...
    ValueError: The cached fit in ... cannot be read: it holds 'StandardScaler' for key 'a'
    """
    folder = Path(folder)
    try:
        meta = json.loads((folder / "fitted.json").read_text(encoding="utf-8"))
        if (meta.get("format"), meta.get("key"), meta.get("estimator")) != (
                FORMAT, key, type(estimator).__qualname__):
            raise ValueError(f"it holds {meta.get('estimator')!r} for key {meta.get('key')!r}")
        fitted = clone(estimator)
        with np.load(folder / "arrays.npz", allow_pickle=False) as data:
            for name in meta["arrays"]:
                setattr(fitted, name, data[name])
            for name, present in meta["array_dicts"].items():
                setattr(fitted, name, {k: data[f"{name}[{k}]"] if there else None
                                       for k, there in present.items()})
        for name, value in meta["values"].items():
            setattr(fitted, name, value)
        if meta["net"] is not None:
            fitted.net_ = _rebuild_net(fitted, meta["net"], folder / "weights.pt")
    except Exception as exc:  # a damaged entry can fail in many ways; all mean "recompute"
        raise ValueError(f"The cached fit in {folder} cannot be read: {exc}") from exc
    return fitted


def _rebuild_net(fitted, meta, weights):
    from skorch.history import History

    if hasattr(fitted, "_make_net"):
        net = fitted._make_net(tuple(meta["input_shape"]))
    else:
        net = clone(fitted.net)
    with torch_seed(0):  # the initial weights are overwritten; leave the caller's RNG alone
        net.initialize()
    net.module_.load_state_dict(load_weights(weights, str(weights), net.device))
    net.history = History(meta["history"])
    if meta["classes_inferred"] is not None:
        net.classes_inferred_ = np.asarray(meta["classes_inferred"])
    return net
