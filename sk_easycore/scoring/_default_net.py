"""The network AIGNScorer trains when the user gives none."""

import torch
from skorch import NeuralNetClassifier

from ..models import ResidualMLP, SmallCNN
from ..utils import default_device

__all__ = ["make_default_net"]


def make_default_net(input_shape, n_classes, *, max_epochs=20, verbose=0):
    """Build a small skorch classifier suited to inputs of ``input_shape``.

    Images ``(n, channels, height, width)`` get a :class:`~sk_easycore.models.SmallCNN`,
    tables ``(n, n_features)`` a 2-block :class:`~sk_easycore.models.ResidualMLP`.
    Adam (lr 1e-3), batch 64, shuffled batches, no validation split, CUDA when
    available.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of the training array, samples first.
    n_classes : int
        Number of classes (outputs).
    max_epochs : int, default=20
        Training epochs.
    verbose : int, default=0
        skorch's verbosity (its per-epoch table).

    Returns
    -------
    net : skorch.NeuralNetClassifier
        An uninitialised net.

    Examples
    --------
    >>> net = make_default_net((100, 1, 8, 8), n_classes=10)
    >>> net.module.__name__
    'SmallCNN'
    """
    if len(input_shape) == 4:
        module, module_params = SmallCNN, {"module__in_channels": input_shape[1]}
    elif len(input_shape) == 2:
        module = ResidualMLP
        module_params = {
            "module__in_features": input_shape[1],
            "module__n_blocks": 2,
            "module__width": 64,
        }
    else:
        raise ValueError(
            f"No default network for X of shape {tuple(input_shape)}: the default "
            "handles tables (n_samples, n_features) and images (n_samples, channels, "
            "height, width). Pass your own skorch NeuralNetClassifier as `net`."
        )
    return NeuralNetClassifier(
        module,
        module__n_classes=n_classes,
        **module_params,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        max_epochs=max_epochs,
        batch_size=64,
        train_split=None,
        iterator_train__shuffle=True,
        device=default_device(),
        verbose=verbose,
    )
