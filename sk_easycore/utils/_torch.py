"""Torch helpers: the default device, seeding without touching global state, safe weight loading."""

import contextlib

import numpy as np
import torch
from sklearn.utils import check_random_state

__all__ = ["default_device", "int_seed", "load_weights", "torch_seed"]


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


def load_weights(source, name, device="cpu"):
    """Read a state dict saved with ``torch.save``, executing nothing from the file.

    ``torch.load`` unpickles: before torch 2.6 it runs any callable the file
    names unless ``weights_only=True``, which this always passes (tensors,
    dicts, lists and numbers only).

    Parameters
    ----------
    source : bytes, path-like or file object
        The saved state dict.
    name : str
        What the bytes are, for the error message (a file, or a file and key).
    device : str or torch.device, default="cpu"
        Where the tensors are mapped.

    Returns
    -------
    state : dict of str to torch.Tensor

    Examples
    --------
    >>> import io
    >>> buffer = io.BytesIO()
    >>> torch.save({"w": torch.ones(2)}, buffer)
    >>> load_weights(buffer.getvalue(), "example")["w"].tolist()
    [1.0, 1.0]
    >>> load_weights(b"junk", "scores.npz['module_state']")
    Traceback (most recent call last):
    ...
    ValueError: Could not read the weights in scores.npz['module_state']: ...
    """
    import io

    if isinstance(source, (bytes, bytearray, memoryview)):
        source = io.BytesIO(bytes(source))
    try:
        state = torch.load(source, map_location=device, weights_only=True)
    except Exception as exc:  # a damaged or unsafe file raises many types
        raise ValueError(
            f"Could not read the weights in {name}: {_load_failure(exc)}; expected a state dict "
            "of tensors saved with torch.save (read with weights_only=True, so nothing in the "
            "file was run).") from None
    if not isinstance(state, dict):
        raise ValueError(f"{name} holds a {type(state).__name__}, not a state dict of tensors.")
    return state


def _load_failure(exc):
    """Why ``torch.load(weights_only=True)`` failed, without torch's advice to load unsafely."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    refused = [line for line in lines if "GLOBAL" in line or "Unsupported" in line]
    if refused:
        return f"it refers to something other than tensors ({refused[0]})"
    return f"{type(exc).__name__}: {lines[0] if lines else 'no detail'}"
