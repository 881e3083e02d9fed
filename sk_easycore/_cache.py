"""Fitted scorers, cached by data and parameters, so a grid over fractions trains once.

A score-based selector inside ``GridSearchCV(pipe, {"select__frac": [...]})`` is
cloned once per fraction and fold; without a cache every clone would retrain the
same scorer on the same fold. Fitted scorers are kept in a small in-process LRU
table, and on disk when the selector is given ``memory`` (a folder): one
sub-folder per fit, holding arrays, JSON and the network's weights, so that
reading an entry back executes nothing from the disk (no pickle). Only scorers with an
integer ``random_state`` (or that draw nothing, such as a scorer reading a scores file)
are cached: otherwise the result is not a function of the key, and reusing it would
silently remove randomness the user asked for. A composite scorer (one that fits
several cached scorers, such as ``AveragedDynamics``) is not cached itself.
"""

import logging
import numbers
import os
import pickle
import shutil
from collections import OrderedDict
from pathlib import Path

import joblib
from sklearn.base import clone

from .data import fingerprint, input_shape, is_dataset
from .utils import int_seed, load_fitted, save_fitted

__all__ = ["clear_score_cache", "fit_scorer", "seeded_clone", "with_verbose"]

logger = logging.getLogger(__name__)

MAX_ENTRIES = 8
_FITTED = OrderedDict()


def clear_score_cache():
    """Forget every fitted scorer kept in memory.

    Selectors keep fitted scorers in a small in-process table keyed by the data
    and the scorer's parameters, so that a grid search over the fraction trains
    each fold's scorer once. This empties it (the disk cache of ``memory=`` is
    left alone).

    Returns
    -------
    None

    Examples
    --------
    >>> clear_score_cache()
    """
    _FITTED.clear()


def seeded_clone(scorer, random_state):
    """Clone ``scorer``, seeding it from ``random_state`` when its own ``random_state`` is None.

    This is how every selector seeds the model it trains: an int ``random_state``
    always gives the scorer the same seed, so selectors built with the same
    scorer parameters and the same ``random_state`` hit the same cache entry in
    :func:`fit_scorer` and share one training. A scorer that has its own
    ``random_state`` keeps it.

    Parameters
    ----------
    scorer : estimator
        Unfitted estimator (cloned, never modified).
    random_state : int, RandomState instance or None
        The selector's random state; None leaves the scorer unseeded.

    Returns
    -------
    scorer : estimator
        The seeded clone.

    Examples
    --------
    >>> from sklearn.dummy import DummyClassifier
    >>> a, b = seeded_clone(DummyClassifier(), 0), seeded_clone(DummyClassifier(), 0)
    >>> a.random_state == b.random_state
    True
    >>> seeded_clone(DummyClassifier(random_state=5), 0).random_state
    5
    """
    scorer = clone(scorer)
    params = scorer.get_params()
    if "random_state" in params and params["random_state"] is None and random_state is not None:
        scorer.set_params(random_state=int_seed(random_state))
    return scorer


def with_verbose(scorer, verbose):
    """``scorer`` showing its progress bar when ``verbose`` (and its own setting allows it).

    A selector's ``verbose`` reaches the proxy it trains; the fitted-scorer cache
    ignores ``verbose``, so a verbose and a silent selector share one training.

    Parameters
    ----------
    scorer : estimator
    verbose : int

    Returns
    -------
    scorer : estimator
        The same object, its ``verbose`` raised to ``verbose`` if it has one.

    Examples
    --------
    >>> from sk_easycore.scoring import AIGNScorer
    >>> with_verbose(AIGNScorer(), 1).verbose
    1
    """
    params = scorer.get_params(deep=False)
    if verbose and "verbose" in params and params["verbose"] < verbose:
        scorer.set_params(verbose=verbose)
    return scorer


def _fit(scorer, X, y):
    return clone(scorer).fit(X, y)


def _key(scorer, X, y):
    params = {k: v for k, v in scorer.get_params(deep=False).items() if k != "verbose"}
    data = (fingerprint(X, y), None) if is_dataset(X) else (X, y)
    try:
        return joblib.hash((type(scorer).__module__, type(scorer).__qualname__, params, *data))
    except (pickle.PicklingError, TypeError, AttributeError) as exc:
        logger.debug("scorer parameters cannot be hashed (%s); not caching", exc)
        return None


def fit_scorer(scorer, X, y, memory=None):
    """Return a fitted clone of ``scorer``, reusing an identical earlier fit.

    Parameters
    ----------
    scorer : estimator
        Unfitted scorer (it is cloned, never modified).
    X, y : ndarray, or a torch Dataset and its labels
        Training data (a dataset is keyed by its :func:`~sk_easycore.data.fingerprint`).
    memory : None, str, path or joblib.Memory, default=None
        Also cache on disk in this folder (a ``joblib.Memory``: its
        ``location``). Each fit is a sub-folder ``<Scorer>-<key>`` of arrays
        (``.npz``, read without pickle), JSON and the network's weights (read
        with ``torch.load(weights_only=True)``); a damaged entry is logged,
        recomputed and replaced. A scorer whose fitted state is something else
        is cached in this process only.

    Returns
    -------
    fitted : estimator
        A fitted scorer; may be shared with an earlier caller.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.dummy import DummyClassifier
    >>> X, y = np.zeros((4, 2)), np.array([0, 1, 0, 1])
    >>> fit_scorer(DummyClassifier(), X, y).classes_
    array([0, 1])
    """
    if getattr(scorer, "_composite", False):
        return _fit(scorer, X, y)  # made of scorers that are cached one by one
    random_state = scorer.get_params().get("random_state")
    if not (isinstance(random_state, numbers.Integral) or getattr(scorer, "_deterministic", False)):
        return _fit(scorer, X, y)
    key = _key(scorer, X, y)
    if key is None:
        return _fit(scorer, X, y)
    if key in _FITTED:
        _FITTED.move_to_end(key)
        logger.debug("reusing cached %s fit", type(scorer).__name__)
        return _FITTED[key]
    fitted = _fit_on_disk(scorer, X, y, key, memory)
    _FITTED[key] = fitted
    while len(_FITTED) > MAX_ENTRIES:
        _FITTED.popitem(last=False)
    return fitted


def _disk_folder(memory):
    """The cache folder ``memory`` stands for, or None."""
    if memory is None or isinstance(memory, (str, os.PathLike)):
        return None if memory is None else Path(memory)
    location = getattr(memory, "location", None)  # a joblib.Memory, read in our own format
    return None if location is None else Path(location)


def _fit_on_disk(scorer, X, y, key, memory):
    """Read the fit of ``key`` from the disk cache, or fit and save it there."""
    root = _disk_folder(memory)
    if root is None:
        return _fit(scorer, X, y)
    entry = root / f"{type(scorer).__name__}-{key}"
    if entry.exists():
        try:
            fitted = load_fitted(scorer, entry, key=key)
            logger.debug("read cached %s fit from %s", type(scorer).__name__, entry)
            return fitted
        except ValueError as exc:
            logger.warning("%s Recomputing it.", exc)
            shutil.rmtree(entry, ignore_errors=True)
            if entry.exists():  # a file planted under the entry's name
                entry.unlink()
    fitted = _fit(scorer, X, y)
    if not save_fitted(fitted, entry, key=key, input_shape=input_shape(X)):
        logger.debug("%s's fit cannot be saved without pickling; cached in this process only",
                     type(scorer).__name__)
    return fitted
