"""TRADES' own inner maximization as an ART evasion attack: maximize KL(f(x) || f(x')).

Zhang et al.'s TRADES trains on ``CE(f(x), y) + beta * KL(f(x) || f(x'))``
where ``x'`` maximizes the KL term in the ``eps``-ball around ``x``; ART's
``AdversarialTrainerTRADESPyTorch`` crafts ``x'`` with whatever attack it is
given. :class:`TradesKLAttack` is the attack of the official ``trades.py``:
from ``x + init_std * N(0, I)``, ``max_iter`` steps of ``eps_step`` along the
sign of the KL's input gradient (L-inf) or along the gradient divided by its
L2 norm (L2), each followed by the projection onto the ``eps``-ball and into
``clip_values``, with the model in eval mode. It needs no labels.

The class subclasses ART's ``EvasionAttack``, and ART is imported lazily: the
class is built on first use (:func:`trades_kl_attack`, or the module attribute
``TradesKLAttack``), so importing this module does not import ART.
"""

import functools
import logging

import numpy as np
import torch
import torch.nn.functional as F

from ._ops import (check_eps, check_norm, check_positive_int, input_gradients_only,
                   project)

__all__ = ["TradesKLAttack", "trades_kl_attack"]

logger = logging.getLogger(__name__)


def _kl_per_sample(logits_adv, target):
    """``KL(target || softmax(logits_adv))``, one value per row."""
    return F.kl_div(F.log_softmax(logits_adv, dim=1), target, reduction="none").flatten(1).sum(1)


def _ascent_direction(grad, norm):
    if norm == "inf":
        return grad.sign()
    norms = grad.flatten(1).norm(dim=1).clamp_min(1e-12)  # a zero gradient: no step
    return grad / norms.view(-1, *([1] * (grad.dim() - 1)))


def _project_torch(x_adv, x, eps, norm, clip_values):
    """Project onto the ``eps``-ball around ``x``, then into ``clip_values`` (stays in the ball)."""
    delta = x_adv - x
    if norm == "inf":
        delta = delta.clamp(-eps, eps)
    else:
        norms = delta.flatten(1).norm(dim=1).clamp_min(1e-12)
        delta = delta * (eps / norms).clamp(max=1.0).view(-1, *([1] * (delta.dim() - 1)))
    x_adv = x + delta
    if clip_values is not None:
        x_adv = x_adv.clamp(*clip_values)
    return x_adv


def _project_exact(x_adv, x, eps, norm, clip_values):
    """:func:`~sk_easycore.robustness._ops.project` on tensors, on their device.

    The same float64 arithmetic, then the float32 result rounded toward ``x``:
    bounds exact. For L-inf (and any clipping) the result equals ``project``'s
    to the bit; for L2 the row norms are summed in torch's order, not numpy's.
    """
    x64 = x.double()
    delta = x_adv.double() - x64
    if norm == "inf":
        delta = delta.clamp(-eps, eps)
    else:
        norms = delta.flatten(1).norm(dim=1)
        scale = torch.where(norms > eps, eps / norms.clamp_min(1e-30), 1.0)
        delta = delta * scale.view(-1, *([1] * (delta.dim() - 1)))
    exact = x64 + delta
    if clip_values is not None:
        exact = exact.clamp(*clip_values)
    out = exact.to(x.dtype)
    away = (out.double() - x64).abs() > (exact - x64).abs()
    return torch.where(away, torch.nextafter(out, x), out)


class _TradesKL:
    """Maximize ``KL(f(x) || f(x'))`` over the ``eps``-ball: TRADES' inner maximization.

    An ART evasion attack on a ``PyTorchClassifier``. For each batch,
    ``f(x) = softmax(logits(x))`` is computed once without gradient; ``x'``
    starts at ``x + init_std * N(0, I)`` (drawn from torch's global generator:
    seed it, for example with ``sk_easycore.robustness._guards.seeded``) and
    takes ``max_iter`` steps of ``eps_step``: ``sign(grad)`` for L-inf,
    ``grad / ||grad||_2`` for L2 (a row whose gradient is exactly zero does not
    move; the official code draws a random direction there). After each step
    ``x'`` is projected onto the ``eps``-ball around ``x`` and into the
    classifier's ``clip_values``. The model runs in eval mode (its mode is
    restored afterwards) with its weights frozen, so only the input's gradient
    is taken. Labels are not used.

    Built lazily (ART is imported on first use): get the class as
    ``sk_easycore.robustness._trades.TradesKLAttack`` or an instance with
    :func:`trades_kl_attack`, whose Examples show it at work.

    Parameters
    ----------
    classifier : art.estimators.classification.PyTorchClassifier
        The attacked model; its preprocessing must be PyTorch-only.
    eps : float > 0, default=8/255
        Perturbation budget, in the units of ``x``.
    eps_step : float > 0, default=2/255
        Step size, at most ``eps`` (the official L-inf setting is
        ``eps=0.031, eps_step=0.007``; its L2 one ``eps_step = 2 * eps / max_iter``).
    max_iter : int >= 1, default=10
        Gradient steps.
    norm : {"inf", 2}, default="inf"
        Threat model (``np.inf`` is accepted for ``"inf"``).
    init_std : float >= 0, default=0.001
        Standard deviation of the Gaussian start around ``x``.
    batch_size : int >= 1, default=128
        Rows attacked together.

    Attributes
    ----------
    eps, eps_step, max_iter, norm, init_std, batch_size
        The parameters (ART's ``attack_params``).

    References
    ----------
    .. [1] Zhang et al. "Theoretically Principled Trade-off between Robustness
       and Accuracy." ICML 2019; https://github.com/yaodongyu/TRADES (trades.py).

    Examples
    --------
    >>> import numpy as np, torch
    >>> from art.estimators.classification import PyTorchClassifier
    >>> from sk_easycore.robustness import TradesKLAttack
    >>> classifier = PyTorchClassifier(torch.nn.Linear(4, 3), loss=torch.nn.CrossEntropyLoss(),
    ...                                input_shape=(4,), nb_classes=3, clip_values=(0.0, 1.0))
    >>> attack = TradesKLAttack(classifier, eps=0.1, eps_step=0.05, max_iter=2)
    >>> attack.generate(np.full((2, 4), 0.5, np.float32)).shape
    (2, 4)
    """

    _param_names = ["eps", "eps_step", "max_iter", "norm", "init_std", "batch_size"]

    def __init__(self, classifier, eps=8 / 255, eps_step=2 / 255, max_iter=10, norm="inf",
                 init_std=0.001, batch_size=128):
        super().__init__(estimator=classifier)
        if not classifier.all_framework_preprocessing:
            raise ValueError(
                "classifier must have PyTorch preprocessing only (all_framework_preprocessing "
                "True): TradesKLAttack differentiates through it in PyTorch; put normalization "
                "inside the model."
            )
        self.eps = eps
        self.eps_step = eps_step
        self.max_iter = max_iter
        self.norm = norm
        self.init_std = init_std
        self.batch_size = batch_size
        self._check_params()

    def _check_params(self):
        super()._check_params()
        self._norm = check_norm(self.norm)
        eps = check_eps(self.eps)
        eps_step = check_eps(self.eps_step, "eps_step")
        if eps == 0 or eps_step == 0:
            raise ValueError(f"eps and eps_step must be > 0; got eps={eps}, eps_step={eps_step}.")
        if eps_step > eps:
            raise ValueError(
                f"eps_step={eps_step} is larger than eps={eps}: a step must not exceed the "
                "perturbation budget."
            )
        check_eps(self.init_std, "init_std")
        check_positive_int(self.max_iter, "max_iter")
        check_positive_int(self.batch_size, "batch_size")

    def _logits(self, x):
        estimator = self.estimator
        x, _ = estimator._apply_preprocessing(x, y=None, fit=False, no_grad=False)
        return estimator._model(x)[-1]  # ART's ModelWrapper returns a list of outputs

    def _clip_values(self):
        clip = self.estimator.clip_values
        if clip is None:
            return None
        low, high = (np.asarray(bound) for bound in clip)
        if low.size != 1 or high.size != 1:
            raise ValueError(f"the classifier's clip_values must be two scalars (low, high) for "
                             f"TradesKLAttack; got arrays of shapes {low.shape} and {high.shape}.")
        return (float(low), float(high))

    def _attack_batch(self, x_nat, clip_values):
        with torch.no_grad():
            target = F.softmax(self._logits(x_nat), dim=1)
        # torch's global CPU generator: the same draw on any device
        noise = torch.randn(x_nat.shape, dtype=x_nat.dtype)
        x_adv = x_nat + self.init_std * noise.to(x_nat.device)
        for _ in range(self.max_iter):
            x_adv.requires_grad_(True)
            with torch.enable_grad():
                loss = _kl_per_sample(self._logits(x_adv), target).sum()
            (grad,) = torch.autograd.grad(loss, x_adv)
            with torch.no_grad():
                x_adv = x_adv + self.eps_step * _ascent_direction(grad, self._norm)
                x_adv = _project_torch(x_adv, x_nat, self.eps, self._norm, clip_values)
        return x_adv.detach()

    def generate(self, x, y=None, **kwargs):
        """Adversarial examples of ``x`` maximizing the KL divergence from ``f(x)``.

        Parameters
        ----------
        x : ndarray of shape (n_samples, ...)
            Inputs, inside the classifier's ``clip_values``.
        y : ignored
            The KL objective uses the model's own prediction on ``x``, not labels.
        **kwargs
            Ignored (accepted for ART's interface).

        Returns
        -------
        x_adv : ndarray of x's shape, float32
            Every row within ``eps`` of its input (exactly: projected in float64
            and rounded toward ``x``) and inside ``clip_values``.
        """
        x = np.asarray(x, dtype=np.float32)
        if x.ndim < 2:
            raise ValueError(f"x must have shape (n_samples, ...); got shape {x.shape}.")
        clip_values = self._clip_values()
        device = self.estimator.device
        model = self.estimator._model
        was_training = model.training
        out = np.empty_like(x)
        model.eval()
        try:
            with input_gradients_only(model):
                for start in range(0, len(x), self.batch_size):
                    stop = start + self.batch_size
                    x_nat = torch.from_numpy(np.ascontiguousarray(x[start:stop])).to(device)
                    out[start:stop] = self._attack_batch(x_nat, clip_values).cpu().numpy()
        finally:
            model.train(was_training)
        logger.debug("TradesKLAttack: %d samples, %d steps", len(x), self.max_iter)
        return project(out, x, self.eps, self._norm, clip_values)

    def generate_tensor(self, x):
        """:meth:`generate` on a float32 tensor, on its device, without leaving it.

        The same examples as ``generate(x.cpu().numpy())`` with the same seed
        (to the bit for L-inf; see :func:`_project_exact` for L2), as a tensor
        on ``x``'s device: the path of the adversarial trainer, whose batches
        stay on the device.

        Parameters
        ----------
        x : torch.Tensor of shape (n_samples, ...), float32
            Inputs, inside the classifier's ``clip_values``, on its device.

        Returns
        -------
        x_adv : torch.Tensor of x's shape, dtype and device
        """
        if x.dim() < 2:
            raise ValueError(f"x must have shape (n_samples, ...); got shape {tuple(x.shape)}.")
        clip_values = self._clip_values()
        model = self.estimator._model
        was_training = model.training
        model.eval()
        try:
            with input_gradients_only(model):
                out = torch.cat([self._attack_batch(x[start:start + self.batch_size],
                                                    clip_values)
                                 for start in range(0, len(x), self.batch_size)])
        finally:
            model.train(was_training)
        return _project_exact(out, x, self.eps, self._norm, clip_values)


@functools.cache
def _attack_class():
    from art.attacks.attack import EvasionAttack
    from art.estimators.classification import PyTorchClassifier

    class TradesKLAttack(_TradesKL, EvasionAttack):
        __doc__ = _TradesKL.__doc__
        attack_params = EvasionAttack.attack_params + _TradesKL._param_names
        _estimator_requirements = (PyTorchClassifier,)

    # Importable (and picklable) as sk_easycore.robustness._trades.TradesKLAttack.
    TradesKLAttack.__module__ = __name__
    TradesKLAttack.__qualname__ = "TradesKLAttack"
    return TradesKLAttack


def __getattr__(name):
    if name == "TradesKLAttack":
        return _attack_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def trades_kl_attack(classifier, *, eps=8 / 255, eps_step=2 / 255, max_iter=10, norm="inf",
                     init_std=0.001, batch_size=128):
    """TRADES' inner maximization on ``classifier``: a :class:`TradesKLAttack` instance.

    Maximizes ``KL(f(x) || f(x'))`` over ``x'`` in the ``eps``-ball around
    ``x`` from ``x + init_std * N(0, I)``, as in the official TRADES code;
    builds the class (importing ART) on first call.

    Parameters
    ----------
    classifier : art.estimators.classification.PyTorchClassifier
        The attacked model (for example from
        :func:`~sk_easycore.robustness.to_art_classifier`).
    eps, eps_step, max_iter, norm, init_std, batch_size
        As in :class:`TradesKLAttack` (defaults 8/255, 2/255, 10, "inf",
        0.001, 128).

    Returns
    -------
    attack : TradesKLAttack
        An ART evasion attack; ``attack.generate(x)`` returns float32
        adversarial examples of ``x``'s shape.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from art.estimators.classification import PyTorchClassifier
    >>> from sk_easycore.utils import torch_seed
    >>> from sk_easycore.robustness._trades import trades_kl_attack
    >>> with torch_seed(0):
    ...     model = torch.nn.Linear(4, 3)
    >>> classifier = PyTorchClassifier(model, loss=torch.nn.CrossEntropyLoss(), input_shape=(4,),
    ...                                nb_classes=3, clip_values=(0.0, 1.0))
    >>> X = np.random.RandomState(0).rand(5, 4).astype(np.float32)
    >>> attack = trades_kl_attack(classifier, eps=0.1, eps_step=0.05, max_iter=5)
    >>> with torch_seed(0):
    ...     X_adv = attack.generate(X)
    >>> X_adv.shape, X_adv.dtype, bool(np.abs(X_adv - X).max() <= 0.1)
    ((5, 4), dtype('float32'), True)
    """
    return _attack_class()(classifier, eps=eps, eps_step=eps_step, max_iter=max_iter, norm=norm,
                           init_std=init_std, batch_size=batch_size)
