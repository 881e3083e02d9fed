"""The skorch net an adversarial training trains: a clone of the user's, or the default one."""

import numpy as np
from sklearn.base import clone

from ..data import input_shape, is_dataset
from ..models import make_default_net

__all__ = ["make_training_net"]


def make_training_net(net, X, n_classes, *, verbose=0):
    """A clone of ``net``, or the default net for ``X`` (standardizing tables inside).

    Parameters
    ----------
    net : skorch.NeuralNetClassifier or None
        The user's net (cloned, never modified); None builds
        :func:`~sk_easycore.models.make_default_net` for ``X``'s shape.
    X : ndarray or torch.utils.data.Dataset
        The training inputs (their shape; a table's column statistics).
    n_classes : int
    verbose : int, default=0
        The default net's verbosity.

    Returns
    -------
    net : skorch.NeuralNetClassifier
        Not initialized.

    Raises
    ------
    TypeError
        If ``net`` is not a ``NeuralNetClassifier``.
    ValueError
        If ``net`` has a skorch ``LRScheduler`` callback (ART drives the optimizer,
        so it would not run).
    """
    from skorch import NeuralNetClassifier
    from skorch.callbacks import LRScheduler

    if net is None:
        net = make_default_net(input_shape(X), n_classes, verbose=verbose)
        if not is_dataset(X) and X.ndim == 2:
            # Tables come in any units: standardize inside the model, so the
            # attack still perturbs (and eps still measures) the raw columns.
            std = X.std(axis=0)
            net.set_params(module__mean=X.mean(axis=0).tolist(),
                           module__std=np.where(std > 0, std, 1.0).tolist())
    else:
        net = clone(net)
    if not isinstance(net, NeuralNetClassifier):
        raise TypeError(
            f"net must be a skorch NeuralNetClassifier; got {type(net).__name__}."
        )
    if any(isinstance(cb, LRScheduler) for cb in _callbacks(net)):
        raise ValueError(
            "The net has a skorch LRScheduler callback, which would not run: ART's "
            "trainer drives the optimizer. Pass scheduler=... to "
            "AdversarialTrainingClassifier instead (stepped after every epoch)."
        )
    return net


def _callbacks(net):
    for cb in net.callbacks or ():
        yield cb[1] if isinstance(cb, tuple) else cb
