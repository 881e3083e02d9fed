"""Targeted FAB (Fast Adaptive Boundary attack) as an ART evasion attack, in torch.

FAB (Croce & Hein, "Minimally distorted Adversarial Examples with a Fast
Adaptive Boundary Attack", ICML 2020) looks for the smallest perturbation that
changes the prediction: at each step it linearizes the gap between the target
class and the true class, projects both the current point and the original
input onto that hyperplane (intersected with the box ``clip_values``), mixes
the two projections with a weight ``alpha`` that favours the original input
when the current point has drifted away, overshoots by ``eta`` and, after each
success, steps back towards the input by ``beta``. The targeted version of
AutoAttack runs it once per target among the classes ranked second, third, ...
by the clean logits.

ART has no FAB; this module adds one. It imports ART only when
:class:`FABTargeted` is first used (the class is made by a cached factory and
reached through the module's ``__getattr__``), so importing
``sk_easycore.robustness`` never loads ART.
"""

import functools
import logging

import numpy as np
import torch

from ._art import is_real
from ._ops import check_attack_params, label_indices

__all__ = ["FABTargeted", "hyperplane_step"]

logger = logging.getLogger(__name__)

_BIG = 1e30  # stands in for an unbounded box side


def hyperplane_step(x, w, c, low=None, high=None, norm="inf"):
    """Smallest step ``d`` with ``<w, d> = c`` and ``low <= x + d <= high``, per row.

    The projection FAB needs: ``x + d`` is the point of the hyperplane
    ``{z : <w, z - x> = c}`` inside the box closest to ``x`` in the L-inf or L2
    norm. Both problems have the form ``d_i = s_i * min(lam * k_i, room_i)``
    with ``s_i = sign(w_i * c)``, ``room_i`` the distance from ``x_i`` to the
    box side in that direction and ``k_i = 1`` (L-inf) or ``|w_i|`` (L2), so
    ``<w, d>`` is piecewise linear and non-decreasing in ``lam``: sorting the
    breakpoints gives ``lam`` exactly, in ``O(D log D)``. When the box does not
    reach the hyperplane the step goes to the box corner that gets closest to
    it (every coordinate at its side).

    Parameters
    ----------
    x : torch.Tensor of shape (n, D)
        Points.
    w : torch.Tensor of shape (n, D)
        Normals of the hyperplanes.
    c : torch.Tensor of shape (n,)
        Required change of ``<w, .>``.
    low, high : torch.Tensor broadcastable to (n, D), or None, default=None
        The box; None for an unbounded side.
    norm : {"inf", 2}, default="inf"
        The norm of the step to minimize.

    Returns
    -------
    d : torch.Tensor of shape (n, D)
        The steps, in the dtype of ``x`` (computed in float64).

    Examples
    --------
    >>> import torch
    >>> x = torch.tensor([[0.5, 0.5], [0.98, 0.5]])
    >>> w = torch.ones(2, 2)
    >>> d = hyperplane_step(x, w, torch.tensor([0.2, 0.2]), torch.zeros(2), torch.ones(2))
    >>> [[round(v, 4) for v in row] for row in d.tolist()]
    [[0.1, 0.1], [0.02, 0.18]]
    """
    dtype = x.dtype
    x, w, c = x.double(), w.double(), c.double()
    s = torch.sign(w) * torch.sign(c)[:, None]
    up = torch.full_like(x, _BIG) if high is None else (high.double() - x)
    down = torch.full_like(x, _BIG) if low is None else (x - low.double())
    room = torch.where(s > 0, up, torch.where(s < 0, down, torch.zeros_like(x)))
    room = room.clamp(0.0, _BIG)
    w_abs = w.abs()
    if norm == "inf":
        a, t = w_abs, room
    else:
        a = w * w
        t = torch.where(w_abs > 0, room / w_abs.clamp_min(1e-300), torch.zeros_like(x))
        t = t.clamp_max(_BIG)
    # h(lam) = sum_i a_i * min(lam, t_i) must reach |c|
    t_sorted, order = torch.sort(t, dim=1)
    a_sorted = a.gather(1, order)
    cum_at = torch.cumsum(a_sorted * t_sorted, dim=1)
    tail = torch.flip(torch.cumsum(torch.flip(a_sorted, (1,)), dim=1), (1,))  # sum_{j >= k} a_j
    tail_after = torch.cat((tail[:, 1:], torch.zeros_like(tail[:, :1])), dim=1)
    h = cum_at + t_sorted * tail_after  # h at lam = t_(k)
    target = c.abs()
    k = (h < target[:, None]).sum(dim=1)  # the first breakpoint where h reaches |c|
    feasible = k < x.shape[1]
    k = k.clamp_max(x.shape[1] - 1)
    before = torch.where(k > 0, cum_at.gather(1, (k - 1).clamp_min(0)[:, None])[:, 0],
                         torch.zeros_like(target))
    slope = tail.gather(1, k[:, None])[:, 0]
    lam = torch.where(slope > 0, (target - before) / slope.clamp_min(1e-300),
                      torch.zeros_like(target))
    scale = torch.ones_like(x) if norm == "inf" else w_abs
    d = s * torch.minimum(lam[:, None] * scale, room)
    d = torch.where(feasible[:, None], d, s * room)
    return d.to(dtype)


def _norms(d, norm):
    return d.abs().amax(dim=1) if norm == "inf" else d.norm(dim=1)


_FAB_DOC = """Targeted FAB (Croce & Hein, ICML 2020) inside an ``eps`` budget, as an ART attack.

    For each sample still classified correctly, and for each target among the
    classes ranked 2, 3, ..., ``n_target_classes + 1`` by the clean logits
    (AutoAttack's FAB-T), it iterates ``n_iter`` times: linearize
    ``g = z_target - z_true`` at the current point, project the current point
    and the original input onto the hyperplane ``g = 0`` inside the box
    ``clip_values`` (:func:`hyperplane_step`), move to ``(1 - alpha) *
    (x + eta * d) + alpha * (x_orig + eta * d_orig)`` with ``alpha =
    min(|d| / (|d| + |d_orig|), alpha_max)``, and after every success (the
    prediction is no longer the true class) record the point if it is the
    closest so far and step back to ``x_orig + beta * (x - x_orig)``. The first
    restart starts at the input, later ones at a random point at distance
    ``min(best, eps) / 2``. A target is only tried on the samples for which no
    adversarial within ``eps`` was found yet.

    Runs in torch on the classifier's own module (``classifier.model``, which
    must return logits) and device, in eval mode, with the weights frozen and
    gradients of the logit gap by ``torch.autograd``; the classifier's ART
    preprocessing is applied when it is written in torch. Restarts draw from
    torch's global generator: seed it for reproducible runs.

    Parameters
    ----------
    classifier : art.estimators.classification.PyTorchClassifier
        The model to attack.
    norm : {"inf", 2}, default="inf"
        Threat model (``np.inf`` is accepted too).
    eps : float > 0, default=0.3
        Budget: only adversarials within ``eps`` are returned; also the radius
        scale of the random restarts.
    n_iter : int, default=100
        Iterations per target and restart.
    n_restarts : int, default=1
        Runs per target; the first starts at the input.
    alpha_max : float in [0, 1], default=0.1
        Largest weight of the original input's projection.
    eta : float >= 1, default=1.05
        Overshoot of the projections.
    beta : float in (0, 1), default=0.9
        Backward step after a success.
    n_target_classes : int, default=9
        Number of targets, at most ``nb_classes - 1``.
    batch_size : int, default=128
        Samples attacked at once.
    verbose : bool, default=False
        Log each target's successes at INFO (no progress bars).

    Attributes
    ----------
    perturbation_norms_ : ndarray of shape (n_samples,)
        After :meth:`generate`: norm of the smallest adversarial perturbation
        found for each sample (0 for samples already misclassified, inf where
        none was found). Targets after one that succeeded within ``eps`` are
        not tried, so this is not the global minimum over all targets.
    targeted : bool
        False in ART's sense: ``generate`` takes the true labels; the targets
        are chosen internally.

    Examples
    --------
    A two-class linear model whose boundary lies at L-inf distance 0.1 from
    the input (``z_1 - z_0 = 2 * (x_1 + x_2) - 2.4``, so ``x_1 + x_2`` must
    rise by 0.2):

    >>> import numpy as np, torch
    >>> from art.estimators.classification import PyTorchClassifier
    >>> from sk_easycore.robustness._fab import FABTargeted
    >>> model = torch.nn.Linear(2, 2)
    >>> with torch.no_grad():
    ...     _ = model.weight.copy_(torch.tensor([[0.0, 0.0], [2.0, 2.0]]))
    ...     _ = model.bias.copy_(torch.tensor([0.0, -2.4]))
    >>> clf = PyTorchClassifier(model, loss=torch.nn.CrossEntropyLoss(), input_shape=(2,),
    ...                         nb_classes=2, clip_values=(0.0, 1.0))
    >>> x, y = np.array([[0.5, 0.5]], dtype=np.float32), np.array([0])
    >>> fab = FABTargeted(clf, eps=0.12)
    >>> x_adv = fab.generate(x, y)
    >>> clf.predict(x_adv).argmax(1), round(float(fab.perturbation_norms_[0]), 2)
    (array([1]), 0.1)
    >>> bool((FABTargeted(clf, eps=0.08).generate(x, y) == x).all())
    True
    """


@functools.cache
def _fab_class():
    """Define FABTargeted on first use, so that ART is imported only then."""
    from art.attacks.attack import EvasionAttack
    from art.estimators.classification import PyTorchClassifier
    from art.estimators.classification.classifier import ClassifierMixin
    from art.estimators.estimator import BaseEstimator, LossGradientsMixin

    from ._ops import input_gradients_only, project

    class FABTargeted(EvasionAttack):
        __doc__ = _FAB_DOC

        attack_params = EvasionAttack.attack_params + [
            "norm", "eps", "n_iter", "n_restarts", "alpha_max", "eta", "beta",
            "n_target_classes", "batch_size", "verbose",
        ]
        _estimator_requirements = (BaseEstimator, LossGradientsMixin, ClassifierMixin)

        def __init__(self, classifier, norm="inf", eps=0.3, n_iter=100, n_restarts=1,
                     alpha_max=0.1, eta=1.05, beta=0.9, n_target_classes=9, batch_size=128,
                     verbose=False):
            super().__init__(estimator=classifier)
            self.norm = norm
            self.eps = eps
            self.n_iter = n_iter
            self.n_restarts = n_restarts
            self.alpha_max = alpha_max
            self.eta = eta
            self.beta = beta
            self.n_target_classes = n_target_classes
            self.batch_size = batch_size
            self.verbose = verbose
            self._check_params()

        def _check_params(self):
            super()._check_params()
            if not isinstance(self.estimator, PyTorchClassifier):
                raise TypeError(
                    "FABTargeted runs on the torch module of an ART PyTorchClassifier; got "
                    f"{type(self.estimator).__name__}."
                )
            if not self.estimator.all_framework_preprocessing:
                raise ValueError(
                    "FABTargeted needs the classifier's ART preprocessing written in torch "
                    "(all_framework_preprocessing); it differentiates through it."
                )
            check_attack_params(self)
            checks = (
                ("alpha_max", 0 <= self.alpha_max <= 1, "a number in [0, 1]"),
                ("eta", self.eta >= 1, "a number >= 1"),
                ("beta", 0 < self.beta < 1, "a number in (0, 1)"),
            )
            for name, ok, what in checks:
                if not is_real(getattr(self, name)) or not ok:
                    raise ValueError(f"{name} must be {what}; got {getattr(self, name)!r}.")

        def generate(self, x, y=None, **kwargs):
            """Adversarial examples within ``eps`` where FAB-T finds one, the inputs elsewhere.

            Parameters
            ----------
            x : ndarray of shape (n_samples, ...)
                Inputs inside ``clip_values``.
            y : ndarray of shape (n_samples,) or (n_samples, nb_classes), or None
                True labels (indices or one-hot); None uses the predictions.
            **kwargs
                Ignored (ART's interface).

            Returns
            -------
            x_adv : ndarray of x's shape, float32
                Every row within ``eps`` of its input and inside ``clip_values``.
            """
            clf = self.estimator
            x = np.asarray(x, dtype=np.float32)
            if y is None:
                y = np.argmax(clf.predict(x, batch_size=self.batch_size), axis=1)
            y = label_indices(y, len(x))
            module = clf.model
            was_training = module.training
            module.eval()
            x_adv = x.copy()
            norms = np.zeros(len(x))
            try:
                with input_gradients_only(module):
                    for start in range(0, len(x), self.batch_size):
                        part = slice(start, start + self.batch_size)
                        adv, found = self._attack_batch(x[part], y[part])
                        x_adv[part], norms[part] = adv, found
            finally:
                module.train(was_training)
            self.perturbation_norms_ = norms
            clip = None if clf.clip_values is None else tuple(clf.clip_values)
            return project(x_adv, x, float(self.eps), self.norm, clip)

        # -- torch internals ----------------------------------------------------------------
        def _logits(self, x_flat, shape):
            x = x_flat.reshape(len(x_flat), *shape)
            x, _ = self.estimator._apply_preprocessing(x, y=None, fit=False, no_grad=False)
            return self.estimator.model(x)

        def _gap_and_grad(self, x_flat, shape, y, t):
            with torch.enable_grad():
                x_var = x_flat.detach().requires_grad_(True)
                z = self._logits(x_var, shape)
                gap = z.gather(1, t[:, None])[:, 0] - z.gather(1, y[:, None])[:, 0]
                (grad,) = torch.autograd.grad(gap.sum(), x_var)
            return gap.detach(), grad

        def _box(self, shape, device):
            clip = self.estimator.clip_values
            if clip is None:
                return None, None
            low, high = (torch.as_tensor(np.broadcast_to(v, shape).reshape(1, -1).copy(),
                                         dtype=torch.float32, device=device) for v in clip)
            return low, high

        def _attack_batch(self, x, y):
            device = self.estimator.device
            shape = x.shape[1:]
            x0 = torch.as_tensor(x, device=device).reshape(len(x), -1)
            y_t = torch.as_tensor(y, device=device)
            low, high = self._box(shape, device)
            with torch.no_grad():
                logits = self._logits(x0, shape)
            ranked = torch.argsort(logits, dim=1, descending=True)
            correct = ranked[:, 0] == y_t
            best = torch.where(correct, torch.full((len(x),), float("inf"), device=device),
                               torch.zeros(len(x), device=device))
            best_adv = x0.clone()
            n_targets = min(self.n_target_classes, self.estimator.nb_classes - 1)
            for rank in range(1, n_targets + 1):
                for restart in range(self.n_restarts):
                    todo = torch.nonzero(correct & (best > self.eps))[:, 0]
                    if len(todo) == 0:
                        break
                    found, adv = self._run(x0[todo], y_t[todo], ranked[todo, rank], shape,
                                           low, high, best[todo] if restart else None)
                    better = found < best[todo]
                    best[todo[better]] = found[better]
                    best_adv[todo[better]] = adv[better]
                    if self.verbose:
                        logger.info("FAB-T target rank %d, restart %d: %d of %d within eps",
                                    rank + 1, restart, int((found <= self.eps).sum()), len(todo))
            within = best <= self.eps
            out = torch.where(within[:, None], best_adv, x0)
            return out.reshape(x.shape).cpu().numpy(), best.cpu().numpy()

        def _run(self, x0, y, t, shape, low, high, start_radius):
            """One FAB run towards target ``t``: (smallest norm found, its point) per row."""
            norm, eps = self.norm, float(self.eps)
            best = torch.full((len(x0),), float("inf"), device=x0.device)
            best_adv = x0.clone()
            x = x0.clone()
            if start_radius is not None:  # a restart: random point at min(best, eps) / 2
                if norm == "inf":
                    u = 2 * torch.rand_like(x) - 1
                else:
                    u = torch.randn_like(x)
                u = u / _norms(u, norm).clamp_min(1e-12)[:, None]
                x = x0 + (start_radius.clamp_max(eps) / 2)[:, None] * u
                x = self._clip(x, low, high)
            with torch.no_grad():
                for _ in range(self.n_iter):
                    gap, w = self._gap_and_grad(x, shape, y, t)
                    d = hyperplane_step(x, w, -gap, low, high, norm)
                    # the same hyperplane, seen from the original input
                    c0 = -(gap + (w * (x0 - x)).sum(dim=1))
                    d0 = hyperplane_step(x0, w, c0, low, high, norm)
                    n_d, n_d0 = _norms(d, norm), _norms(d0, norm)
                    alpha = (n_d / (n_d + n_d0).clamp_min(1e-12)).clamp(0, self.alpha_max)
                    alpha = alpha[:, None]
                    x = (1 - alpha) * (x + self.eta * d) + alpha * (x0 + self.eta * d0)
                    x = self._clip(x, low, high)
                    is_adv = self._logits(x, shape).argmax(dim=1) != y
                    dist = _norms(x - x0, norm)
                    better = is_adv & (dist < best)
                    best = torch.where(better, dist, best)
                    best_adv[better] = x[better]
                    x = torch.where(is_adv[:, None], x0 + self.beta * (x - x0), x)
            return best, best_adv

        @staticmethod
        def _clip(x, low, high):
            if low is not None:
                x = torch.maximum(torch.minimum(x, high), low)
            return x

    FABTargeted.__module__ = __name__
    FABTargeted.__qualname__ = "FABTargeted"
    return FABTargeted


def __getattr__(name):
    if name == "FABTargeted":
        return _fab_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# The class exists only once ART is imported, so its docstring is handed to doctest here.
__test__ = {"FABTargeted": _FAB_DOC}
