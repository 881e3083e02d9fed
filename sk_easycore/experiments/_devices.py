"""Cells on the GPUs of one machine: ``n_jobs`` cell processes placed round-robin over devices.

Each worker process running a cell first takes a *device slot* from a shared queue
and gives it back when the cell ends. There are as many slots as processes, dealt
round-robin over the devices (``cuda:0, cuda:1, cuda:0, ...``), so at any moment the
cells running on each GPU number at most ``ceil(n_jobs / n_devices)``, whichever cells
take long. While it holds a slot, the process's current CUDA device is the slot's:
every ``"cuda"`` the library or your network names (``default_device()``, a skorch
net's ``device="cuda"``) is that GPU. A cell is seeded by its own seed whatever its
device, so the results are those of a serial run.
"""

import contextlib
import re

__all__ = ["claimed_device", "device_slots", "resolve_devices"]

_CUDA = re.compile(r"cuda:(\d+)\Z")


def _visible_cuda_devices():
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def resolve_devices(devices=None, *, n_visible=None):
    """The CUDA devices the cells of a study are placed on.

    Parameters
    ----------
    devices : None, str or list of str, default=None
        ``"cuda:0,cuda:1"`` or ``["cuda:0", "cuda:1"]``; None takes every
        visible CUDA device (none on a machine without one).
    n_visible : int or None, default=None
        The number of visible CUDA devices (None asks torch; tests pass a number).

    Returns
    -------
    devices : list of str
        ``["cuda:0", ...]``, empty when no CUDA device is visible and none was asked for.

    Examples
    --------
    >>> resolve_devices("cuda:1, cuda:0", n_visible=2)
    ['cuda:1', 'cuda:0']
    >>> resolve_devices(None, n_visible=3)
    ['cuda:0', 'cuda:1', 'cuda:2']
    >>> resolve_devices("cuda:2", n_visible=2)
    Traceback (most recent call last):
        ...
    ValueError: devices: cuda:2 is not visible (2 CUDA devices: cuda:0 .. cuda:1).
    """
    n_visible = _visible_cuda_devices() if n_visible is None else int(n_visible)
    if devices is None:
        return [f"cuda:{i}" for i in range(n_visible)]
    names = devices.split(",") if isinstance(devices, str) else list(devices)
    names = [str(name).strip() for name in names if str(name).strip()]
    if not names:
        raise ValueError("devices must name at least one CUDA device, e.g. 'cuda:0,cuda:1'.")
    for name in names:
        match = _CUDA.match(name)
        if match is None:
            raise ValueError(f"devices: {name!r} is not a CUDA device name; write cuda:0, "
                             "cuda:1, ... (cells run on the CPU when no device is given and "
                             "none is visible).")
        if int(match.group(1)) >= n_visible:
            seen = (f"{n_visible} CUDA devices: cuda:0 .. cuda:{n_visible - 1}" if n_visible
                    else "no CUDA device is visible")
            raise ValueError(f"devices: {name} is not visible ({seen}).")
    if len(set(names)) != len(names):
        raise ValueError(f"devices: each device once, please; got {names}.")
    return names


def device_slots(devices, n_jobs):
    """The slots of ``n_jobs`` cell processes: the devices dealt round-robin.

    Parameters
    ----------
    devices : list of str
        From :func:`resolve_devices`.
    n_jobs : int
        Cell processes running at once.

    Returns
    -------
    slots : list of str
        ``n_jobs`` device names.

    Examples
    --------
    >>> device_slots(["cuda:0", "cuda:1"], 5)
    ['cuda:0', 'cuda:1', 'cuda:0', 'cuda:1', 'cuda:0']
    """
    if not devices:
        raise ValueError("device_slots needs at least one device.")
    return [devices[i % len(devices)] for i in range(int(n_jobs))]


@contextlib.contextmanager
def claimed_device(slots, *, select=None):
    """Hold one device slot from ``slots`` (a queue) for the duration of the block.

    Parameters
    ----------
    slots : queue-like
        ``get()`` gives a device name, ``put(name)`` returns it (a
        ``multiprocessing.Manager().Queue()`` across processes).
    select : callable or None, default=None
        ``select(device)`` returns a context manager making ``device`` the
        current one; None uses ``torch.cuda.device``.

    Yields
    ------
    device : str

    Examples
    --------
    >>> import contextlib, queue
    >>> slots = queue.Queue()
    >>> slots.put("cuda:1")
    >>> with claimed_device(slots, select=lambda d: contextlib.nullcontext()) as device:
    ...     device, slots.empty()
    ('cuda:1', True)
    >>> slots.get()
    'cuda:1'
    """
    if select is None:
        import torch

        select = torch.cuda.device
    device = slots.get()
    try:
        with select(device):
            yield device
    finally:
        slots.put(device)


def open_slots(devices, n_workers, stack):
    """The queue of device slots for ``n_workers`` cell processes, or None (no CUDA device).

    ``stack`` (an ``ExitStack``) shuts the queue's manager process down; one
    worker (a serial run) gets a plain in-process queue.
    """
    if not devices:
        return None
    if n_workers == 1:
        import queue

        slots = queue.Queue()
    else:
        import multiprocessing

        slots = stack.enter_context(multiprocessing.Manager()).Queue()
    for device in device_slots(devices, n_workers):
        slots.put(device)
    return slots
