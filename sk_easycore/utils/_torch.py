"""Torch helpers: the default device, seeding without touching global state, safe weight loading."""

import contextlib
import warnings

import numpy as np
import torch
from sklearn.utils import check_random_state

__all__ = ["default_device", "initialize_net", "int_seed", "load_weights", "redraw_parameters",
           "torch_seed"]


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

    On a GPU the block also asks cuDNN for deterministic convolution
    algorithms (``torch.backends.cudnn.deterministic = True``, ``benchmark =
    False``), restored afterwards. Like the generators, these are process-wide
    settings: threads of one process must not run seeded blocks concurrently.

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
    cudnn = torch.backends.cudnn
    saved = cudnn.deterministic, cudnn.benchmark
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        # cuDNN otherwise picks convolution algorithms by timing and may sum in any order
        cudnn.deterministic, cudnn.benchmark = True, False
        try:
            yield
        finally:
            cudnn.deterministic, cudnn.benchmark = saved


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
def redraw_parameters(module):
    """Draw a module's weights again from torch's generator, layer by layer.

    Every submodule that defines ``reset_parameters()`` (torch's layers: linear,
    convolutions, normalisations, embeddings, ...) calls it, in the order of
    ``module.modules()``: the weights a module of the same class would get when
    built under the same generator state.

    Parameters
    ----------
    module : torch.nn.Module
        Changed in place.

    Returns
    -------
    kept : list of str
        Names of the parameters no ``reset_parameters()`` owns (they keep their values).

    Examples
    --------
    >>> layer = torch.nn.Linear(3, 2)
    >>> with torch_seed(0):
    ...     kept = redraw_parameters(layer)
    >>> with torch_seed(0):
    ...     fresh = torch.nn.Linear(3, 2)
    >>> kept, bool(torch.equal(layer.weight, fresh.weight))
    ([], True)
    """
    redrawn = set()
    with torch.no_grad():
        for sub in module.modules():
            reset = getattr(sub, "reset_parameters", None)
            if callable(reset):
                reset()
                redrawn.update(id(p) for p in sub.parameters(recurse=False))
    return [name for name, p in module.named_parameters() if id(p) not in redrawn]


def initialize_net(net, *, redraw=True):
    """``net.initialize()``, with initial weights that come from torch's generator.

    skorch builds a module given as a class from the generator, but keeps a
    module given as an *instance* with the weights it was built with (often from
    an unseeded generator, in another process). With ``redraw``, such an
    instance's weights are drawn again (:func:`redraw_parameters`), so that
    inside :func:`torch_seed` every form of network starts from the seed's
    weights. Call it inside the seeded block that also trains the net.

    Parameters
    ----------
    net : skorch.NeuralNet
        Initialized in place (clone it first to leave the user's module alone).
    redraw : bool, default=True
        Redraw a module instance's weights; False keeps skorch's behaviour
        (unseeded fits keep the instance's weights, e.g. pretrained ones).

    Returns
    -------
    net : skorch.NeuralNet
        The initialized net.

    Warns
    -----
    UserWarning
        When parameters of the instance have no ``reset_parameters()`` and keep
        their values: build them in a module class's ``__init__`` instead.

    Examples
    --------
    >>> from skorch import NeuralNetClassifier
    >>> def weights():
    ...     net = NeuralNetClassifier(torch.nn.Linear(4, 2), verbose=0)  # drawn unseeded
    ...     with torch_seed(0):
    ...         return initialize_net(net).module_.weight
    >>> bool(torch.equal(weights(), weights()))
    True
    """
    net.initialize()
    if redraw and isinstance(net.module, torch.nn.Module) and net.module_ is net.module:
        kept = redraw_parameters(net.module_)
        if kept:
            warnings.warn(
                f"the module instance of the net has parameters without a reset_parameters() "
                f"({', '.join(kept[:5])}{', ...' if len(kept) > 5 else ''}): they keep their "
                "values instead of being drawn from the seed. Pass the module class (and its "
                "module__ parameters) so that the seed builds them.", UserWarning, stacklevel=2)
    return net
