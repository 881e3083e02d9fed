"""What a run's floats depend on beyond its settings: the versions and the machine it ran on."""

import os
import platform

__all__ = ["environment", "versions"]


def versions():
    """Versions of Python, this library and its main dependencies (as installed)."""
    from importlib.metadata import version

    from .. import __version__

    names = {"torch": "torch", "skorch": "skorch", "sklearn": "scikit-learn",
             "imblearn": "imbalanced-learn", "art": "adversarial-robustness-toolbox",
             "numpy": "numpy"}
    return {"python": platform.python_version(), "sk_easycore": __version__,
            **{key: version(dist) for key, dist in names.items()}}


def environment(device=None):
    """What a run's floats depend on beyond its settings: threads, CPU kernels, device, versions.

    The same settings give the same numbers bit for bit only under the same
    conditions: the float sums of torch's CPU kernels are split among its threads
    (another thread count changes the last bits, which training amplifies: MKL's
    matrix products and oneDNN's convolutions, unless ``MKL_CBWR=AUTO,STRICT`` and
    oneDNN is off, see docs/study.md), and ``ATEN_CPU_CAPABILITY`` or another CPU
    selects other kernels.

    Parameters
    ----------
    device : str or None, default=None
        The device the models ran on; None: :func:`~sk_easycore.utils.default_device`.

    Returns
    -------
    environment : dict
        ``torch_threads``, ``cpu_capability`` (``torch.backends.cpu.get_cpu_capability()``),
        ``mkl_cbwr`` (the ``MKL_CBWR`` variable), ``mkldnn`` (whether torch uses
        oneDNN), ``device``, ``machine`` and ``versions``.

    Examples
    --------
    >>> sorted(environment("cpu"))  # doctest: +NORMALIZE_WHITESPACE
    ['cpu_capability', 'device', 'machine', 'mkl_cbwr', 'mkldnn', 'torch_threads',
     'versions']
    """
    import torch

    from ..utils import default_device

    device = str(default_device() if device is None else device)
    if device.startswith("cuda") and torch.cuda.is_available():
        device = f"{device} ({torch.cuda.get_device_name()})"
    return {"torch_threads": torch.get_num_threads(),
            "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "mkl_cbwr": os.environ.get("MKL_CBWR"), "mkldnn": torch.backends.mkldnn.enabled,
            "device": device,
            "machine": f"{platform.machine()} {platform.processor()}".strip(),
            "versions": versions()}
