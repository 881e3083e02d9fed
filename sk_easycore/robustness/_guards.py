"""The two guards every ART call here runs under.

numpy's global generator seeded and restored (ART draws random starts and
shuffles from it), and ART's logging and progress bars kept quiet unless asked
for.
"""

import contextlib
import functools
import importlib
import logging
import sys

import numpy as np

from ..utils import int_seed, torch_seed

# ART trainer modules whose epoch bars take no argument: tqdm reads TQDM_DISABLE
# once, when tqdm is imported, so setting it at run time changes nothing.
_TRAINER_MODULES = (
    "art.defences.trainer.adversarial_trainer",
    "art.defences.trainer.adversarial_trainer_trades_pytorch",
)
# ART's PyTorch PGD computes its success rate for an INFO log line after every attack,
# whether or not anyone logs at INFO: two prediction passes over the data. Quiet, the
# rate is not computed (the function is used for nothing else in that module).
_SUCCESS_RATE_MODULE = "art.attacks.evasion.projected_gradient_descent." \
    "projected_gradient_descent_pytorch"


def _no_success_rate(*args, **kwargs):
    return float("nan")


@contextlib.contextmanager
def numpy_global_seed(seed):
    """Seed numpy's global generator inside the block and restore the caller's state after.

    ART draws PGD's random start and its trainers' shuffling from
    ``np.random``; this makes them reproducible without changing what the
    caller's own ``np.random`` calls return afterwards. ``seed=None`` leaves the
    generator alone.
    """
    if seed is None:
        yield
        return
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


@contextlib.contextmanager
def seeded(random_state):
    """numpy's global generator and torch's seeded from ``random_state``, restored after."""
    seed = int_seed(random_state)
    with numpy_global_seed(seed), torch_seed(seed):
        yield


@contextlib.contextmanager
def art_quiet(verbose):
    """Silence ART inside the block unless ``verbose``: its INFO logs and its trainers' bars.

    Quiet, PGD's success rate (computed only for an INFO log line, at the cost
    of two prediction passes over the data) is not computed.

    ART logs every attack's success rate and every classifier's layers at INFO,
    which an application's ``logging.basicConfig(level=INFO)`` would print. The
    trainers' epoch bars ignore every argument, and tqdm reads ``TQDM_DISABLE``
    only when it is imported, so for the duration of the block the trainers'
    module-level ``trange`` / ``tqdm`` are replaced by disabled ones (not
    thread-safe: do not train with ART in two threads at once).
    """
    if verbose:
        yield
        return
    art_logger = logging.getLogger("art")
    level = art_logger.level
    art_logger.setLevel(logging.WARNING)
    patched = []
    for name in _TRAINER_MODULES:
        module = sys.modules.get(name) or importlib.import_module(name)
        for attr in ("trange", "tqdm"):
            original = getattr(module, attr, None)
            if original is not None:
                patched.append((module, attr, original))
                setattr(module, attr, functools.partial(original, disable=True))
    module = sys.modules.get(_SUCCESS_RATE_MODULE) or importlib.import_module(
        _SUCCESS_RATE_MODULE)
    patched.append((module, "compute_success", module.compute_success))
    module.compute_success = _no_success_rate
    try:
        yield
    finally:
        for module, attr, original in reversed(patched):
            setattr(module, attr, original)
        art_logger.setLevel(level)
