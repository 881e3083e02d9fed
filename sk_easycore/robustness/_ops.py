"""The small pieces every attack here shares: argument checks, the exact projection, frozen weights."""

import contextlib
from numbers import Integral

import numpy as np

from ._art import is_real

__all__ = ["check_eps", "check_norm", "check_positive_int", "default_eps_step",
           "input_gradients_only", "project"]

_NORMS = {"inf": "inf", np.inf: "inf", 2: 2, "2": 2}


def check_norm(norm):
    key = norm.lower() if isinstance(norm, str) else norm
    try:
        return _NORMS[key]
    except (KeyError, TypeError):
        raise ValueError(f'norm must be "inf" (L-inf) or 2 (L2); got {norm!r}.') from None


def check_eps(eps, name="eps"):
    if not is_real(eps) or not np.isfinite(eps) or eps < 0:
        raise ValueError(
            f"{name} must be a finite number >= 0, in the units of X (pixels in [0, 1]); "
            f"got {eps!r}."
        )
    return float(eps)


def check_positive_int(value, name):
    if not isinstance(value, Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{name} must be an int >= 1; got {value!r}.")
    return int(value)


def default_eps_step(eps, max_iter):
    """PGD's step when none is given: ``2.5 * eps / max_iter`` (Madry et al.), at most ``eps``."""
    return min(eps, 2.5 * eps / max_iter)


def project(x_adv, x, eps, norm, clip_values):
    """Project ``x_adv`` onto the ``eps``-ball around ``x`` and into ``clip_values``.

    ART's attacks and the reference AutoAttack already stay inside up to
    float rounding; this makes the bound exact, in float32 too. Clipping after
    the projection never leaves the ball, since ``x`` itself lies inside
    ``clip_values``.
    """
    delta = x_adv.astype(np.float64) - x
    if norm == "inf":
        delta = np.clip(delta, -eps, eps)
    else:
        flat = delta.reshape(len(delta), -1)
        norms = np.linalg.norm(flat, axis=1)
        scale = np.where(norms > eps, eps / np.maximum(norms, 1e-30), 1.0)
        delta = (flat * scale[:, None]).reshape(delta.shape)
    exact = x + delta
    if clip_values is not None:
        exact = np.clip(exact, *clip_values)
    # Round to float32 toward x, never away: |out - x| <= |exact - x| per coordinate,
    # so the bounds hold exactly for the float32 result too.
    out = exact.astype(np.float32)
    away = np.abs(out - x.astype(np.float64)) > np.abs(exact - x)
    out[away] = np.nextafter(out[away], x[away])
    return out


@contextlib.contextmanager
def input_gradients_only(module):
    """Freeze the module's parameters in the block: attacks then skip every weight gradient.

    ART's ``loss_gradient`` calls ``loss.backward()``, which would also fill the
    weights' ``.grad``; the attack needs only the input's.
    """
    params = [p for p in module.parameters() if p.requires_grad]
    for p in params:
        p.requires_grad_(False)
    try:
        yield
    finally:
        for p in params:
            p.requires_grad_(True)
