"""Standard AutoAttack by its authors' code (``pyautoattack``), with what each attack broke.

Croce & Hein (ICML 2020), version "standard", the one RobustBench reports:
APGD-CE, APGD-T (9 targets), FAB-T (9 targets) and Square (5000 queries),
each run on the images every attack before it left correctly classified. The
attacks are the reference implementation's own objects (PyPI ``pyautoattack``,
fra31/auto-attack); nothing here re-implements them. Its
``run_standard_evaluation`` returns only the examples, so the attacks are run
one at a time through it, in its order, each on what the previous left robust
(as its own ``run_standard_evaluation_individual`` does with one attack at a
time): the same batches and seeds as one call, and the breakdown of which image
each attack broke.
"""

import contextlib
import dataclasses
import logging
import time

import numpy as np
import torch

from ._ops import input_gradients_only

__all__ = ["STANDARD_ATTACKS", "AutoAttackResult"]

logger = logging.getLogger(__name__)

STANDARD_ATTACKS = ("apgd-ce", "apgd-t", "fab-t", "square")

_REFERENCE_NORMS = {"inf": "Linf", 2: "L2"}
_N_TARGETS = 9  # the standard version's targets of APGD-T and FAB-T


@dataclasses.dataclass
class AutoAttackResult:
    """What standard AutoAttack did to a set of images: the verdict and who broke what.

    Parameters
    ----------
    correct : ndarray of bool, shape (n_samples,)
        Still classified correctly after every attack (the reference's verdict).
    broken_by : dict of {str: ndarray of int}
        ``"clean"`` (misclassified without attack), then each attack run, in
        order: the positions of the images it broke first.
    seconds : dict of {str: float}
        Seconds each attack took.
    skipped : tuple of str, default=()
        Attacks that could not run on this model (see :func:`run_reference`).
    x_adv : ndarray or None, default=None
        The examples (the input where nothing broke it).

    Examples
    --------
    >>> import numpy as np
    >>> result = AutoAttackResult(np.array([True, False, False]),
    ...                           {"clean": np.array([1]), "apgd-ce": np.array([2])},
    ...                           {"apgd-ce": 0.5})
    >>> result.accuracy, result.counts()
    (0.3333333333333333, {'clean': 1, 'apgd-ce': 1})
    >>> result.to_dict(samples=np.array([10, 20, 30]))["broken_by"]
    {'clean': [20], 'apgd-ce': [30]}
    """

    correct: np.ndarray
    broken_by: dict
    seconds: dict
    skipped: tuple = ()
    x_adv: np.ndarray = None

    @property
    def accuracy(self):
        """Fraction of the images still classified correctly."""
        return float(np.mean(self.correct)) if len(self.correct) else float("nan")

    def counts(self):
        """``{"clean" or attack: images}``: how many each broke first."""
        return {name: int(len(rows)) for name, rows in self.broken_by.items()}

    def to_dict(self, samples=None):
        """The result as JSON-ready data: counts, attacked samples, breakdown, seconds, skips.

        Parameters
        ----------
        samples : array-like of int or None, default=None
            The test-set index of each attacked image; positions are mapped
            through it (None: positions are kept).

        Returns
        -------
        data : dict
        """
        index = (lambda rows: rows) if samples is None else np.asarray(samples).__getitem__
        data = {"n_samples": int(len(self.correct))}
        if samples is not None:
            data["samples"] = [int(i) for i in samples]
        data["broken_by"] = {name: [int(i) for i in index(np.asarray(rows, dtype=np.intp))]
                             for name, rows in self.broken_by.items()}
        data["seconds"] = {name: float(s) for name, s in self.seconds.items()}
        data["skipped"] = list(self.skipped)
        return data

    @classmethod
    def concatenate(cls, results):
        """One result for consecutive chunks (positions shifted by the chunks before)."""
        results = list(results)
        if len(results) == 1:
            return results[0]
        offsets = np.cumsum([0] + [len(r.correct) for r in results[:-1]])
        names = list(dict.fromkeys(n for r in results for n in r.broken_by))
        broken = {n: np.concatenate([np.asarray(r.broken_by.get(n, []), dtype=np.intp) + o
                                     for r, o in zip(results, offsets)]) for n in names}
        seconds = {n: float(sum(r.seconds.get(n, 0.0) for r in results))
                   for n in dict.fromkeys(n for r in results for n in r.seconds)}
        skipped = tuple(dict.fromkeys(s for r in results for s in r.skipped))
        x_adv = None if any(r.x_adv is None for r in results) else \
            np.concatenate([r.x_adv for r in results])
        return cls(np.concatenate([r.correct for r in results]), broken, seconds, skipped, x_adv)


def check_autoattack_params(params):
    """The keywords ``attack="autoattack"`` takes: ``attacks``, a subset of the standard four."""
    unknown = sorted(set(params) - {"attacks"})
    if unknown:
        raise ValueError(
            f"attack='autoattack' runs the standard AutoAttack with its own settings; it takes "
            f"no {unknown} (only attacks=, a subset of {STANDARD_ATTACKS})."
        )
    attacks = params.get("attacks", STANDARD_ATTACKS)
    attacks = (attacks,) if isinstance(attacks, str) else tuple(attacks)
    if not attacks or any(a not in STANDARD_ATTACKS for a in attacks) \
            or len(set(attacks)) != len(attacks):
        raise ValueError(f"attacks must be distinct names among {STANDARD_ATTACKS}; got "
                         f"{params.get('attacks')!r}.")
    return tuple(a for a in STANDARD_ATTACKS if a in attacks)


class _Rescaled(torch.nn.Module):
    """``module`` on inputs ``low + (high - low) * u``: the box [low, high] as [0, 1]."""

    def __init__(self, module, low, high):
        super().__init__()
        self.module, self.low, self.scale = module, low, high - low

    def forward(self, u):
        return self.module(self.low + self.scale * u)


class _Signal(torch.nn.Module):
    """``module`` on ``(n, C, L)`` signals, handed to it as ``(n, C, L, 1)``.

    The reference takes every 3-D batch for a single image and adds a batch
    axis; with a trailing axis of size one it keeps the batch as it is. The
    model sees the same values and the norms of every perturbation are unchanged.
    """

    def __init__(self, module):
        super().__init__()
        self.module = module

    def forward(self, x):
        return self.module(x.squeeze(-1))


@contextlib.contextmanager
def _evaluated(module):
    """The module in eval mode with frozen weights inside the block, as found after."""
    modes = [(m, m.training) for m in module.modules()]
    module.eval()
    try:
        with input_gradients_only(module):
            yield
    finally:
        for m, training in modes:
            m.training = training


def _runnable(attacks, x, n_classes):
    """The attacks the reference can run on inputs like ``x`` with ``n_classes`` outputs."""
    skipped = []
    if "apgd-t" in attacks and n_classes < 4:
        skipped.append("apgd-t")  # the targeted DLR loss reads the 3rd and 4th largest logit
    if "square" in attacks and x.dim() != 4:
        skipped.append("square")  # the reference's Square draws squares on (C, H, W) images
    if skipped:
        reasons = {"apgd-t": "APGD-T needs at least 4 classes",
                   "square": "Square needs images of shape (n, C, H, W)"}
        logger.warning("AutoAttack skips %s: %s", ", ".join(skipped),
                       "; ".join(reasons[name] for name in skipped))
    return [a for a in attacks if a not in skipped], tuple(skipped)


def run_reference(module, X, y, *, eps, norm="inf", batch_size=128, seed=0, device=None,
                  clip_values=(0.0, 1.0), attacks=STANDARD_ATTACKS, verbose=False):
    """Standard AutoAttack (the authors' ``pyautoattack``) on a torch module and arrays.

    Parameters
    ----------
    module : torch.nn.Module
        Outputs logits; run in eval mode with frozen weights (both restored after).
    X : ndarray of shape (n_samples, ...), float32
        Inputs inside ``clip_values``.
    y : ndarray of int, shape (n_samples,)
        True output indices.
    eps : float > 0
        Budget in the units of ``X``.
    norm : {"inf", 2}, default="inf"
    batch_size : int, default=128
    seed : int, default=0
        The reference's ``seed`` (every attack and batch reseeds torch with it).
    device : torch.device or None, default=None
        Where the attacks run; None: the module's.
    clip_values : tuple of (float, float), default=(0.0, 1.0)
        The box; the reference works in [0, 1], so another box is mapped onto
        it (the model then sees ``low + (high - low) * u``, eps scaled alike).
    attacks : tuple of str, default=STANDARD_ATTACKS
        Which of the four to run, in the standard order.
    verbose : bool, default=False
        The reference's DEBUG log lines (logger ``auto-attack``).

    Returns
    -------
    result : AutoAttackResult
        With ``x_adv``, as the reference returned it.
    """
    from pyautoattack import AutoAttack

    if device is None:
        param = next(module.parameters(), None)
        device = param.device if param is not None else torch.device("cpu")
    low, high = clip_values
    x = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
    labels = torch.as_tensor(np.asarray(y), dtype=torch.int64)
    model = module
    if (low, high) != (0.0, 1.0):
        model, x, eps = _Rescaled(module, low, high), (x - low) / (high - low), eps / (high - low)
    with _evaluated(module), torch.no_grad():
        predicted = torch.cat([model(x[i:i + batch_size].to(device)).argmax(1).cpu()
                               for i in range(0, len(x), batch_size)])
        n_classes = int(model(x[:1].to(device)).shape[-1])
    runnable, skipped = _runnable(attacks, x, n_classes)
    signal = x.dim() == 3
    if signal:  # (n, C, L): the reference would take the batch for one image
        model, x = _Signal(model), x.unsqueeze(-1)
    robust = (predicted == labels).numpy()
    broken_by, seconds = {"clean": np.flatnonzero(~robust)}, {}
    x_adv = x.clone()
    reference = AutoAttack(model, norm=_REFERENCE_NORMS[norm], eps=float(eps), version="standard",
                           seed=seed, device=device)
    reference.verbose = bool(verbose)
    n_targets = min(_N_TARGETS, n_classes - 1)  # the standard 9, or every other class
    reference.apgd_targeted.n_target_classes = n_targets
    reference.fab.n_target_classes = n_targets
    for name in runnable:
        todo = np.flatnonzero(robust)
        start = time.perf_counter()
        fooled = np.zeros(0, dtype=bool)
        if todo.size:
            reference.attacks_to_run = [name]
            with _evaluated(module):
                adv, y_adv = reference.run_standard_evaluation(x[todo], labels[todo],
                                                               batch_size=batch_size)
            fooled = (y_adv.cpu() != labels[todo]).numpy()
            x_adv[todo[fooled]] = adv[fooled].cpu()
            robust[todo[fooled]] = False
        broken_by[name] = todo[fooled]
        seconds[name] = time.perf_counter() - start
        (logger.info if verbose else logger.debug)(
            "AutoAttack %s broke %d images in %.1f s; robust accuracy %.4f", name,
            int(fooled.sum()), seconds[name], robust.mean())
    if signal:
        x_adv = x_adv.squeeze(-1)
    if (low, high) != (0.0, 1.0):
        x_adv = low + (high - low) * x_adv
    return AutoAttackResult(robust, broken_by, seconds, skipped, x_adv.numpy())
