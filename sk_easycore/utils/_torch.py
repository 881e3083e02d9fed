"""Torch helpers: the default device and seeding without touching global state."""

import contextlib

import numpy as np
import torch
from sklearn.utils import check_random_state

__all__ = ["default_device", "int_seed", "torch_seed"]


def default_device():
    """Return ``"cuda"`` when a GPU is available, ``"cpu"`` otherwise.

    Returns
    -------
    device : {"cuda", "cpu"}
        A device name torch and skorch accept.

    Examples
    --------
    >>> default_device() in ("cpu", "cuda")
    True
    """
    return "cuda" if torch.cuda.is_available() else "cpu"


def int_seed(random_state):
    """Draw the int seed an estimator's ``random_state`` stands for; None stays None.

    One draw from ``check_random_state(random_state)``, so an int always gives
    the same seed and a ``RandomState`` instance advances by one draw.

    Parameters
    ----------
    random_state : int, RandomState instance or None
        The estimator's ``random_state``.

    Returns
    -------
    seed : int or None
        A seed in ``[0, 2**31 - 1)`` for :func:`torch_seed` and numpy, or None.

    Examples
    --------
    >>> int_seed(0) == int_seed(0), int_seed(None)
    (True, None)
    """
    if random_state is None:
        return None
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


@contextlib.contextmanager
def torch_seed(seed):
    """Seed torch's generators inside the block and restore them afterwards.

    Weight initialisation and DataLoader shuffling draw from torch's global
    generators; forking them keeps a seeded fit reproducible without changing
    the caller's random state. ``seed=None`` leaves the generators alone.

    Parameters
    ----------
    seed : int or None
        The seed, or None for no seeding.

    Yields
    ------
    None
        The block runs with the seeded generators.

    Examples
    --------
    >>> with torch_seed(0):
    ...     a = torch.rand(2)
    >>> with torch_seed(0):
    ...     b = torch.rand(2)
    >>> bool(torch.equal(a, b))
    True
    """
    if seed is None:
        yield
        return
    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield
