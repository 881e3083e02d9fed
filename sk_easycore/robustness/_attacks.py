"""FGSM and PGD through ART, AutoAttack by its authors' code: adversarial examples and accuracy.

Threat model: an untargeted attacker who knows the weights perturbs each input
by at most ``eps`` in the L-inf or L2 norm, measured in the units of the ``X``
the estimator takes (pixels in [0, 1]; our models normalize inside), staying
inside ``clip_values``. Attacks use the true labels (no label leaking through
predictions), run with the model in eval mode, and ART's random starts are
seeded from ``random_state`` without touching the caller's global state.
"""

import logging
from dataclasses import dataclass, field
from numbers import Integral

import numpy as np
from sklearn.utils import check_array, column_or_1d
from sklearn.utils.validation import check_consistent_length

from ..data import dataset_labels, eval_batches, input_shape, is_dataset
from ..utils import int_seed
from ._art import build_art_classifier, check_clip_values, label_indices
from ._autoattack import check_autoattack_params, run_reference
from ._autoattack_art import check_art_autoattack_input
from ._guards import art_quiet, seeded
from ._ops import (check_eps, check_norm, check_positive_int, default_eps_step,
                   input_gradients_only, project)

__all__ = ["ATTACKS", "adversarial_accuracy", "generate_adversarial"]

# rows of a dataset attacked at once (memory holds one chunk and its adversarial copy)
CHUNK = 4096

logger = logging.getLogger(__name__)

ATTACKS = ("fgsm", "pgd", "autoattack", "autoattack_art")


@dataclass(frozen=True)
class AttackSpec:
    """A validated attack configuration: what to run, independent of the model."""

    name: str
    eps: float
    eps_step: float | None
    norm: object
    max_iter: int
    batch_size: int
    params: dict = field(default_factory=dict)

    @classmethod
    def from_args(cls, attack, eps, *, norm="inf", eps_step=None, max_iter=10, batch_size=128,
                  **params):
        """Validate the public arguments; every error names the parameter."""
        if not isinstance(attack, str) or attack.lower() not in ATTACKS:
            raise ValueError(f"attack must be one of {ATTACKS}; got {attack!r}.")
        eps = check_eps(eps)
        if eps_step is not None:
            eps_step = check_eps(eps_step, "eps_step")
            if eps_step == 0:
                raise ValueError("eps_step must be > 0; got 0.")
            if eps_step > eps:
                raise ValueError(
                    f"eps_step={eps_step} is larger than eps={eps}: a step must not exceed "
                    "the perturbation budget."
                )
        if attack.lower() == "autoattack":
            params = {"attacks": check_autoattack_params(params)}
        return cls(
            name=attack.lower(), eps=eps, eps_step=eps_step, norm=check_norm(norm),
            max_iter=check_positive_int(max_iter, "max_iter"),
            batch_size=check_positive_int(batch_size, "batch_size"), params=dict(params),
        )

    def step(self):
        if self.eps_step is not None:
            return self.eps_step
        return default_eps_step(self.eps, self.max_iter)

    def build(self, classifier, verbose=0):
        """The ART attack object on ``classifier``."""
        if self.name == "fgsm":
            from art.attacks.evasion import FastGradientMethod

            params = {"num_random_init": 0, **self.params}
            return FastGradientMethod(
                classifier, norm=self.norm, eps=self.eps, eps_step=self.step(),
                batch_size=self.batch_size, **params,
            )
        if self.name == "pgd":
            from art.attacks.evasion import ProjectedGradientDescent

            params = {"num_random_init": 1, **self.params}  # Madry's random start
            return ProjectedGradientDescent(
                classifier, norm=self.norm, eps=self.eps, eps_step=self.step(),
                max_iter=self.max_iter, batch_size=self.batch_size, verbose=bool(verbose),
                **params,
            )
        from ._autoattack_art import build_art_default_autoattack

        return build_art_default_autoattack(classifier, eps=self.eps, norm=self.norm,
                                            eps_step=self.step(), batch_size=self.batch_size,
                                            verbose=bool(verbose), **self.params)


def run_attack(classifier, spec, X, y_indices, *, clip_values, random_state, verbose):
    """Adversarial examples of ``X`` against ``classifier`` (validated inputs)."""
    if spec.eps == 0:
        return X.copy()
    if spec.name == "autoattack":
        if y_indices is None:
            y_indices = predicted_indices(classifier, X, spec.batch_size)
        return autoattack_chunk(classifier, spec, X, y_indices, clip_values=clip_values,
                                random_state=random_state, verbose=verbose)[0]
    with art_quiet(verbose), seeded(random_state), input_gradients_only(classifier.model):
        attack = spec.build(classifier, verbose)
        x_adv = attack.generate(X, y=y_indices)
    return project(x_adv, X, spec.eps, spec.norm, clip_values)


def attack_outcome(classifier, spec, X, y_indices, *, clip_values, random_state, verbose):
    """``(correct, result)`` of one chunk: still correct per sample, AutoAttack's breakdown or None.

    ``correct`` is ``predict(x_adv) == y_indices``, except for AutoAttack:
    there it is the reference's own verdict.
    """
    if spec.name == "autoattack" and spec.eps > 0:
        _, result = autoattack_chunk(classifier, spec, X, y_indices, clip_values=clip_values,
                                     random_state=random_state, verbose=verbose)
        return result.correct, result
    x_adv = run_attack(classifier, spec, X, y_indices, clip_values=clip_values,
                       random_state=random_state, verbose=verbose)
    return predicted_indices(classifier, x_adv, spec.batch_size) == y_indices, None


def autoattack_chunk(classifier, spec, X, y_indices, *, clip_values, random_state, verbose):
    """``(x_adv, result)``: the authors' AutoAttack on one chunk, seeded from ``random_state``."""
    check_autoattack_clip(clip_values)
    with seeded(random_state):
        seed = int_seed(random_state)
        if seed is None:  # unseeded: one draw from numpy's global generator
            seed = int(np.random.randint(np.iinfo(np.int32).max))
        result = run_reference(classifier.model, X, y_indices, eps=spec.eps, norm=spec.norm,
                               batch_size=spec.batch_size, seed=seed, clip_values=clip_values,
                               attacks=spec.params["attacks"], verbose=bool(verbose))
    x_adv = project(result.x_adv, X, spec.eps, spec.norm, clip_values)
    result.x_adv = None  # the caller has x_adv; a report keeps only the breakdown
    return x_adv, result


def check_autoattack_clip(clip_values):
    """AutoAttack's box: the reference keeps inputs in a box, so ``clip_values`` is needed."""
    if clip_values is None:
        raise ValueError(
            "attack='autoattack' needs clip_values (the valid input range): the authors' "
            "AutoAttack keeps every example inside a box; got clip_values=None."
        )


def check_attack_data(X, y, clip_values, *, y_required=True):
    """Validate ``X`` (any rank, float32, inside ``clip_values``) and ``y``."""
    X = check_array(X, allow_nd=True, dtype=np.float32, ensure_all_finite=True)
    if clip_values is not None:
        low, high = clip_values
        if X.min() < low or X.max() > high:
            raise ValueError(
                f"X has values in [{X.min():.4g}, {X.max():.4g}], outside clip_values="
                f"{clip_values}. Attacks perturb X in its own units: pass the raw inputs "
                "(pixels in [0, 1], with normalization inside the model) or set clip_values "
                "to the range of your inputs (None for unbounded)."
            )
    if y is None:
        if y_required:
            raise ValueError("y is required: adversarial accuracy is measured against true labels.")
        return X, None
    y = column_or_1d(y, warn=True)
    check_consistent_length(X, y)
    return X, y


def prepare_classifier(estimator, shape, clip_values, specs=()):
    """``(classifier, final model, clip_values)`` for ``shape``; refuses what ``specs`` can't."""
    clip_values = check_clip_values(clip_values)
    with art_quiet(verbose=False):
        classifier, model, _ = build_art_classifier(
            estimator, clip_values=clip_values, input_shape=tuple(shape)
        )
    if any(spec.name == "autoattack_art" for spec in specs):
        check_art_autoattack_input(tuple(shape), classifier.nb_classes)
    return classifier, model, clip_values


def prepare_chunk(classifier, model, X, y, clip_values, *, y_required=True):
    """``X`` checked (float32, finite, inside ``clip_values``) and ``y`` as output indices."""
    X_checked = check_array(X, allow_nd=True, dtype=np.float32, ensure_all_finite=True)
    X, y = check_attack_data(X_checked, y, clip_values, y_required=y_required)
    y_indices = None if y is None else label_indices(model, y, classifier.nb_classes)
    return X, y_indices


def chunks(X, y, chunk_size=CHUNK):
    """``(X_chunk, y_chunk)`` numpy pairs: an array whole, a dataset ``chunk_size`` items at a time.

    A dataset of ``(x, label)`` items is read through a DataLoader without
    shuffling; only one chunk is in memory at a time. ``y`` (None: the
    dataset's labels) gives the labels.
    """
    if not is_dataset(X):
        yield X, y
        return
    labels = dataset_labels(X) if y is None else np.asarray(y)
    if len(labels) != len(X):
        raise ValueError(f"y has {len(labels)} labels for {len(X)} items of the dataset.")
    for start, xb, _ in eval_batches(X, None, chunk_size, device="cpu"):
        yield xb.numpy(), labels[start:start + len(xb)]


def chunk_seed(random_state, index):
    """The attack seed of chunk ``index``: ``random_state`` itself for the first (and arrays)."""
    if index == 0 or random_state is None or not isinstance(random_state, Integral):
        return random_state
    return int(random_state) + index


def data_shape(X):
    """One sample's shape, for arrays and datasets."""
    return tuple(input_shape(X)[1:]) if is_dataset(X) else tuple(np.shape(X)[1:])


def predicted_indices(classifier, X, batch_size):
    return np.argmax(classifier.predict(X, batch_size=batch_size), axis=1)


def generate_adversarial(
    estimator, X, y=None, attack="pgd", eps=8 / 255, *, norm="inf", eps_step=None, max_iter=10,
    batch_size=128, clip_values=(0.0, 1.0), random_state=0, verbose=0, **attack_params,
):
    """Adversarial examples of ``X`` against a fitted estimator.

    Parameters
    ----------
    estimator : estimator
        A fitted skorch ``NeuralNetClassifier``,
        :class:`AdversarialTrainingClassifier` or a pipeline ending in one.
    X : array-like of shape (n_samples, ...) or torch.utils.data.Dataset
        Inputs in the estimator's own units, inside ``clip_values``. A dataset
        is attacked chunk by chunk, but every example is returned (in memory).
    y : array-like of shape (n_samples,) or None, default=None
        True labels; None attacks the estimator's own predictions (a dataset:
        its labels).
    attack, eps, norm, eps_step, max_iter, batch_size, clip_values, random_state, verbose
        As in :func:`adversarial_accuracy`.
    **attack_params
        Passed to the ART attack.

    Returns
    -------
    X_adv : ndarray of shape X.shape, dtype float32
        Every row within ``eps`` of its input in the chosen norm (exactly:
        the result is projected onto the ball) and inside ``clip_values``.

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skorch import NeuralNetClassifier
    >>> from sk_easycore.datasets import load_digits_images
    >>> from sk_easycore.models import SmallCNN
    >>> from sk_easycore.robustness import generate_adversarial
    >>> X, y = load_digits_images()
    >>> net = NeuralNetClassifier(SmallCNN, criterion=torch.nn.CrossEntropyLoss,
    ...                           max_epochs=2, train_split=None, verbose=0).fit(X[:500], y[:500])
    >>> X_adv = generate_adversarial(net, X[:50], y[:50], attack="pgd", eps=0.1)
    >>> X_adv.shape, bool(np.abs(X_adv - X[:50]).max() <= 0.1)
    ((50, 1, 8, 8), True)
    """
    spec = AttackSpec.from_args(attack, eps, norm=norm, eps_step=eps_step, max_iter=max_iter,
                                batch_size=batch_size, **attack_params)
    with seeded(random_state):  # torch's generator too: DataLoaders draw from it
        classifier, model, clip_values = prepare_classifier(estimator, data_shape(X),
                                                            clip_values, [spec])
        examples = []
        labels_given = y is not None or is_dataset(X)
        for i_chunk, (X_chunk, y_chunk) in enumerate(chunks(X, y)):
            X_chunk, y_indices = prepare_chunk(classifier, model, X_chunk, y_chunk, clip_values,
                                               y_required=False)
            examples.append(run_attack(classifier, spec, X_chunk,
                                       y_indices if labels_given else None,
                                       clip_values=clip_values,
                                       random_state=chunk_seed(random_state, i_chunk),
                                       verbose=verbose))
        return examples[0] if len(examples) == 1 else np.concatenate(examples)


def correct_under_attack(
    estimator, X, y, attack="pgd", eps=8 / 255, *, norm="inf", eps_step=None, max_iter=10,
    batch_size=128, clip_values=(0.0, 1.0), random_state=0, verbose=0, **attack_params,
):
    """Boolean per sample: still classified correctly after the attack (datasets: by chunks)."""
    spec = AttackSpec.from_args(attack, eps, norm=norm, eps_step=eps_step, max_iter=max_iter,
                                batch_size=batch_size, **attack_params)
    with seeded(random_state):  # torch's generator too: DataLoaders draw from it
        classifier, model, clip_values = prepare_classifier(estimator, data_shape(X),
                                                            clip_values, [spec])
        correct = []
        for i_chunk, (X_chunk, y_chunk) in enumerate(chunks(X, y)):
            X_chunk, y_indices = prepare_chunk(classifier, model, X_chunk, y_chunk, clip_values)
            correct.append(attack_outcome(
                classifier, spec, X_chunk, y_indices, clip_values=clip_values,
                random_state=chunk_seed(random_state, i_chunk), verbose=verbose)[0])
        return np.concatenate(correct)


def adversarial_accuracy(
    estimator, X, y, attack="pgd", eps=8 / 255, *, norm="inf", eps_step=None, max_iter=10,
    batch_size=128, clip_values=(0.0, 1.0), random_state=0, verbose=0, **attack_params,
):
    """Accuracy of a fitted estimator on adversarial examples of ``(X, y)``.

    The estimator is converted with :func:`to_art_classifier` (the network is
    attacked as trained, in eval mode; a pipeline's sampler steps are
    skipped), every sample is attacked with its true label, and the accuracy
    is measured on the examples the attack returns.

    Parameters
    ----------
    estimator : estimator
        A fitted skorch ``NeuralNetClassifier``,
        :class:`AdversarialTrainingClassifier` or a pipeline ending in one.
    X : array-like of shape (n_samples, ...) or torch.utils.data.Dataset
        Inputs in the estimator's own units, inside ``clip_values``; a dataset
        of ``(x, label)`` items is attacked 4096 rows at a time.
    y : array-like of shape (n_samples,) or None
        True labels (None: a dataset's own), as the estimator's ``predict``
        returns them (mapped to the
        network's outputs through ``classes_``; a bare skorch net uses its
        integer labels as output indices).
    attack : {"fgsm", "pgd", "autoattack", "autoattack_art"}, default="pgd"
        ART's ``FastGradientMethod`` (one step of size ``eps``),
        ``ProjectedGradientDescent`` (``max_iter`` steps of ``eps_step`` from a
        random start in the ball, projected back after each), the standard
        AutoAttack that RobustBench reports, run by its authors' code
        (``pyautoattack``: APGD-CE, APGD-T over the top-9 targets, FAB-T,
        Square with 5000 queries, each on what the previous left robust, on
        the model's device; the accuracy is the reference's verdict, its
        seed ``sk_easycore.utils.int_seed(random_state)``), or ART's own
        ``AutoAttack`` default suite (APGD-CE and APGD-DLR with 5 restarts,
        DeepFool, Square). ``max_iter`` and ``eps_step`` do not apply to
        either AutoAttack.
    eps : float >= 0, default=8/255
        Perturbation budget in the norm ``norm``, in the units of ``X``. 0
        returns the clean accuracy.
    norm : {"inf", 2}, default="inf"
        L-inf or L2 threat model.
    eps_step : float or None, default=None
        Step size, at most ``eps``. None: ``min(eps, 2.5 * eps / max_iter)``.
        Unused by FGSM.
    max_iter : int, default=10
        PGD iterations.
    batch_size : int, default=128
        Batch size of the attack and of prediction.
    clip_values : tuple of (float, float) or None, default=(0.0, 1.0)
        Valid input range; ``X`` must lie inside it.
    random_state : int, RandomState instance or None, default=0
        Seeds the random start (numpy's global generator and torch's, both
        restored afterwards): the same seed gives the same accuracy. None
        draws from the global generators.
    verbose : int, default=0
        Show ART's progress bars and log lines.
    **attack_params
        Passed to the ART attack (for example ``num_random_init=5`` for PGD
        restarts). ``"autoattack"`` takes only ``attacks``: a subset of
        ``("apgd-ce", "apgd-t", "fab-t", "square")``, run in that order with
        the standard settings (for quick checks).

    Returns
    -------
    accuracy : float
        Fraction of the samples classified correctly after the attack.

    Examples
    --------
    >>> import torch
    >>> from skorch import NeuralNetClassifier
    >>> from sk_easycore.datasets import load_digits_images
    >>> from sk_easycore.models import SmallCNN
    >>> from sk_easycore.robustness import adversarial_accuracy
    >>> X, y = load_digits_images()
    >>> net = NeuralNetClassifier(SmallCNN, criterion=torch.nn.CrossEntropyLoss,
    ...                           optimizer=torch.optim.Adam, max_epochs=5,
    ...                           train_split=None, verbose=0).fit(X[:600], y[:600])
    >>> clean = adversarial_accuracy(net, X[:200], y[:200], eps=0.0)
    >>> robust = adversarial_accuracy(net, X[:200], y[:200], attack="pgd", eps=0.1)
    >>> robust < clean
    True
    """
    return float(np.mean(correct_under_attack(
        estimator, X, y, attack, eps, norm=norm, eps_step=eps_step, max_iter=max_iter,
        batch_size=batch_size, clip_values=clip_values, random_state=random_state,
        verbose=verbose, **attack_params,
    )))
