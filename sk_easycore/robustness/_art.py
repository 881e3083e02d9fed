"""A fitted skorch net (or a pipeline ending in one) as an ART ``PyTorchClassifier``."""

import contextlib
import logging
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.exceptions import NotFittedError

from ._guards import art_quiet

__all__ = ["to_art_classifier"]

logger = logging.getLogger(__name__)


class _Logits(torch.nn.Module):
    """Turn a module's output into logits for ART: first element of a tuple, log of probabilities.

    skorch's ``NeuralNetClassifier`` with its default ``NLLLoss`` expects the module
    to output probabilities and takes their log itself (``log(p + eps)``); log
    probabilities are logits (softmax of them gives ``p`` back), so ART's
    cross-entropy on them equals skorch's training loss. Holds ``module`` by
    reference: no weights are copied.
    """

    def __init__(self, module, log_of_probabilities):
        super().__init__()
        self.module = module
        self.log_of_probabilities = log_of_probabilities

    def forward(self, x):
        out = self.module(x)
        if isinstance(out, (tuple, list)):
            out = out[0]  # skorch's convention: the first output is the prediction
        if self.log_of_probabilities:
            out = torch.log(out + torch.finfo(out.dtype).eps)
        return out


def is_real(value):
    """True for a real number that is not a bool."""
    return isinstance(value, Real) and not isinstance(value, bool)


def check_clip_values(clip_values):
    """Return ``clip_values`` as a ``(min, max)`` pair of floats, or None."""
    if clip_values is None:
        return None
    try:
        low, high = (float(v) for v in clip_values)
    except (TypeError, ValueError):
        raise ValueError(
            f"clip_values must be None or a pair (min, max) of numbers; got {clip_values!r}."
        ) from None
    if not (np.isfinite(low) and np.isfinite(high) and low < high):
        raise ValueError(f"clip_values must be finite with min < max; got {clip_values!r}.")
    return (low, high)


def final_model(estimator):
    """The classifier at the end of ``estimator``, after checking the steps before it."""
    steps = getattr(estimator, "steps", None)
    if steps is None:
        return estimator
    for name, step in steps[:-1]:
        if step is None or (isinstance(step, str) and step == "passthrough"):
            continue
        if hasattr(step, "fit_resample"):
            continue  # a sampler acts at fit only; at predict the model sees X as given
        if getattr(step, "_preserves_values", False):
            continue  # a dtype or container conversion (AsFloat32): X keeps its values
        raise ValueError(
            f"Pipeline step {name!r} ({type(step).__name__}) transforms X before the model. "
            "An attack must perturb the model's real input, and its eps must be measured in "
            "the units of the X you pass, so only samplers (such as EasyCoreSelector, skipped "
            "at predict time) may come before the model. Move the transformation into the "
            "network module (sk_easycore.models normalize inside the model) or attack the "
            "final step on already-transformed data."
        )
    return final_model(steps[-1][1])


def _net_of(model):
    """The fitted skorch net of ``model``: a skorch net itself, or a wrapper's ``net_``.

    A wrapper is any estimator that trains a skorch net and keeps it as ``net_``,
    with its labels, in the order of the net's outputs, as ``classes_`` (as
    :class:`AdversarialTrainingClassifier` does); no type check beyond that.
    """
    from skorch import NeuralNet

    if isinstance(model, NeuralNet):
        if not model.__sklearn_is_fitted__():
            raise NotFittedError(
                f"This {type(model).__name__} is not initialized yet; fit it before "
                "converting it to an ART classifier."
            )
        return model
    net = getattr(model, "net_", None)
    if isinstance(net, NeuralNet):
        return net
    if "net" in getattr(model, "get_params", dict)():
        raise NotFittedError(
            f"This {type(model).__name__} is not fitted yet (it has no net_); fit it before "
            "attacking it."
        )
    raise TypeError(
        "to_art_classifier needs a fitted skorch NeuralNetClassifier, an estimator that keeps "
        "its fitted skorch net as net_ and its labels as classes_ (such as "
        "AdversarialTrainingClassifier), or a Pipeline ending in one of them; got "
        f"{type(model).__name__}."
    )


def _art_loss_and_module(net):
    """The module (logits out) and the criterion ART trains and attacks with."""
    criterion = net.criterion_
    if isinstance(criterion, torch.nn.CrossEntropyLoss):
        return net.module_, criterion, False
    if isinstance(criterion, torch.nn.NLLLoss):
        # skorch feeds NLLLoss the log of the module's probabilities; the same
        # loss on the same logits is cross-entropy on log-probabilities.
        loss = torch.nn.CrossEntropyLoss(
            weight=criterion.weight, ignore_index=criterion.ignore_index,
            reduction=criterion.reduction,
        )
        return net.module_, loss, True
    raise TypeError(
        f"The net's criterion is {type(criterion).__name__}; ART's attacks need a "
        "classification loss on logits. Use torch.nn.CrossEntropyLoss (module outputs "
        "logits) or skorch's default NLLLoss (module outputs probabilities)."
    )


def _probe(module, shape, device):
    """Run one zero input of ``shape`` through ``module``; return its output or None if refused."""
    was_training = module.training
    module.eval()
    try:
        with torch.no_grad():
            return module(torch.zeros((1, *shape), device=device))
    except Exception:  # noqa: BLE001 -- any refusal means "not this shape"
        return None
    finally:
        module.train(was_training)


def _n_features_in(estimator, model):
    for candidate in (estimator, model):
        n = getattr(candidate, "n_features_in_", None)
        if isinstance(n, Integral):
            return int(n)
    return None


def _device_of(module, net):
    param = next(module.parameters(), None)
    return param.device if param is not None else torch.device(net.device)


def build_art_classifier(estimator, *, clip_values=(0.0, 1.0), input_shape=None):
    """Build the ART classifier and return ``(classifier, model, net)``.

    ``model`` is the final estimator (its labels matter to the caller), ``net``
    the skorch net whose ``module_`` the classifier wraps.
    """
    from art.estimators.classification import PyTorchClassifier

    clip_values = check_clip_values(clip_values)
    model = final_model(estimator)
    net = _net_of(model)
    module, loss, log_of_probabilities = _art_loss_and_module(net)
    device = _device_of(module, net)

    if input_shape is None:
        input_shape = getattr(model, "input_shape_", None)
    if input_shape is not None:
        input_shape = tuple(int(s) for s in input_shape)
        out = _probe(module, input_shape, device)
        if out is None:
            raise ValueError(
                f"The net's module does not accept inputs of shape (n_samples, "
                f"{', '.join(map(str, input_shape))}) (input_shape={input_shape})."
            )
    else:
        n_features = _n_features_in(estimator, model)
        out = None if n_features is None else _probe(module, (n_features,), device)
        if out is not None:
            input_shape = (n_features,)

    if out is not None:
        first = out[0] if isinstance(out, (tuple, list)) else out
        nb_classes = int(first.shape[-1])
        tuple_output = isinstance(out, (tuple, list))
    else:
        # Shape unknown: skorch uses the labels themselves as output indices.
        classes = np.asarray(net.classes_)
        nb_classes = int(classes.max()) + 1 if classes.dtype.kind in "iu" else len(classes)
        tuple_output = False
        logger.debug("input shape unknown; nb_classes=%d from the net's classes_", nb_classes)

    if log_of_probabilities or tuple_output:
        module = _Logits(module, log_of_probabilities)

    cuda = device.type == "cuda"
    # ART places the model on the *current* CUDA device: make it the net's own.
    where = torch.cuda.device(device) if cuda else contextlib.nullcontext()
    with where:
        classifier = PyTorchClassifier(
            model=module,
            loss=loss,
            input_shape=input_shape,
            nb_classes=nb_classes,
            optimizer=getattr(net, "optimizer_", None),
            clip_values=clip_values,
            device_type="gpu" if cuda else "cpu",
        )
    return classifier, model, net


def to_art_classifier(estimator, *, clip_values=(0.0, 1.0), input_shape=None):
    """Wrap a fitted skorch classifier (or a pipeline ending in one) as an ART classifier.

    The ART ``PyTorchClassifier`` uses the net's own ``module_`` (no copy, no
    retraining: attacking it attacks the trained model), its criterion as the
    loss, its ``optimizer_`` (for ART's trainers), the device its weights are on
    (CUDA when the net is on CUDA) and ``clip_values``. The model must output
    logits for ART; a net with skorch's default ``NLLLoss`` outputs
    probabilities, so its module is wrapped to return their log (valid logits)
    and the loss becomes the equivalent cross-entropy. Other criteria raise.

    Parameters
    ----------
    estimator : estimator
        A fitted :class:`skorch.NeuralNetClassifier`, a fitted
        :class:`~sk_easycore.robustness.AdversarialTrainingClassifier`, or a
        fitted ``imblearn.pipeline.Pipeline`` ending in one. Sampler steps
        (anything with ``fit_resample``, such as
        :class:`~sk_easycore.selection.EasyCoreSelector`) are skipped, as the
        pipeline skips them at predict time. Any other step before the model
        (a transformer) raises a ValueError: an attack must perturb the model's
        real input.
    clip_values : tuple of (float, float) or None, default=(0.0, 1.0)
        The valid input range, in the units of the ``X`` the model takes
        (pixels in [0, 1]; normalization lives inside our models). None means
        unbounded inputs.
    input_shape : tuple of int or None, default=None
        Shape of one input, ``X.shape[1:]``. If None it is taken from the
        ``input_shape_`` an ``AdversarialTrainingClassifier`` records at fit,
        else ``(n_features_in_,)`` when the estimator reports ``n_features_in_``
        and the module accepts rows of that size (tabular data). Otherwise it is
        left unknown: FGSM, PGD and DeepFool never read it, ART's AutoAttack does
        (:func:`adversarial_accuracy` always passes ``X.shape[1:]``). The number
        of classes is the width of the module's output on one zero input of
        this shape; when the shape is unknown, ``max(net.classes_) + 1`` (skorch
        uses labels as output indices).

    Returns
    -------
    classifier : art.estimators.classification.PyTorchClassifier

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the model is not fitted.

    Examples
    --------
    >>> import torch
    >>> from skorch import NeuralNetClassifier
    >>> from sk_easycore.datasets import load_digits_images
    >>> from sk_easycore.models import SmallCNN
    >>> from sk_easycore.robustness import to_art_classifier
    >>> X, y = load_digits_images()
    >>> net = NeuralNetClassifier(SmallCNN, criterion=torch.nn.CrossEntropyLoss,
    ...                           max_epochs=1, train_split=None, verbose=0).fit(X[:500], y[:500])
    >>> clf = to_art_classifier(net, input_shape=X.shape[1:])
    >>> clf.model is net.module_, clf.nb_classes, clf.input_shape, clf.clip_values.tolist()
    (True, 10, (1, 8, 8), [0.0, 1.0])
    """
    if input_shape is not None and not (
        isinstance(input_shape, (tuple, list)) and all(isinstance(s, Integral) for s in input_shape)
    ):
        raise ValueError(
            f"input_shape must be a tuple of ints such as X.shape[1:]; got {input_shape!r}."
        )
    with art_quiet(verbose=False):
        classifier, _, _ = build_art_classifier(
            estimator, clip_values=clip_values, input_shape=input_shape
        )
    return classifier


def label_indices(model, y, nb_classes):
    """Map labels ``y`` of ``model`` to output indices of its network.

    An :class:`AdversarialTrainingClassifier` encodes its labels through
    ``classes_``; a skorch ``NeuralNetClassifier`` feeds the labels themselves
    to its loss and predicts ``argmax``, so its labels are the indices.
    """
    y = np.asarray(y)
    classes = getattr(model, "classes_", None) if hasattr(model, "net_") else None
    if classes is not None:
        try:
            indices = np.clip(np.searchsorted(classes, y), 0, len(classes) - 1)
            unknown = classes[indices] != y
        except TypeError:  # labels of another type than classes_ (str vs int)
            indices, unknown = np.zeros(len(y), dtype=np.int64), np.ones(len(y), dtype=bool)
        if np.any(unknown):
            raise ValueError(
                f"y contains labels the estimator was not trained on: "
                f"{np.unique(y[unknown])[:5].tolist()} (classes_: {classes.tolist()})."
            )
        return indices.astype(np.int64)
    if y.dtype.kind not in "iu" and not (
        y.dtype.kind == "f" and np.all(np.isfinite(y)) and np.all(y == np.round(y))
    ):
        raise ValueError(
            f"y must hold integer labels 0..{nb_classes - 1} for a skorch NeuralNetClassifier "
            f"(skorch uses labels as output indices); got dtype {y.dtype}. Wrap the net in "
            "AdversarialTrainingClassifier or encode the labels to use other labels."
        )
    indices = y.astype(np.int64)
    if indices.size and (indices.min() < 0 or indices.max() >= nb_classes):
        raise ValueError(
            f"y holds labels outside 0..{nb_classes - 1}, the net's output indices."
        )
    return indices
