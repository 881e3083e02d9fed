"""DeepFool perturbation norms: each row's distance to the decision boundary, through ART."""

import numpy as np

from ._art import to_art_classifier
from ._ops import input_gradients_only
from ._guards import art_quiet

__all__ = ["deepfool_distances"]


def deepfool_distances(net, X, *, max_iter=10, epsilon=1e-6, batch_size=128,
                       clip_values=(0.0, 1.0)):
    """L2 norm of ART's DeepFool perturbation of every row, against a fitted skorch net.

    Parameters
    ----------
    net : skorch.NeuralNetClassifier
        Fitted net (wrapped with :func:`to_art_classifier`).
    X : ndarray of shape (n_samples, ...)
        Inputs in the units the net takes, inside ``clip_values``.
    max_iter, epsilon, batch_size
        ART's ``DeepFool`` parameters (``epsilon`` is the overshoot).
    clip_values : tuple (min, max) or None, default=(0.0, 1.0)
        Valid input range; None for unbounded inputs.

    Returns
    -------
    distances : ndarray of shape (n_samples,)
        ``||x_adv - x||_2`` per row (for rows DeepFool cannot flip within
        ``max_iter`` steps, the perturbation it reached).

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skorch import NeuralNetClassifier
    >>> net = NeuralNetClassifier(torch.nn.Linear(2, 2), criterion=torch.nn.CrossEntropyLoss)
    >>> with torch.no_grad():
    ...     _ = net.initialize().module_.weight.copy_(torch.tensor([[1.0, 0.0], [-1.0, 0.0]]))
    ...     _ = net.module_.bias.zero_()
    >>> X = np.array([[0.5, 0.3], [-2.0, 1.0]], dtype=np.float32)  # boundary: x0 = 0
    >>> deepfool_distances(net, X, clip_values=None).round(3).tolist()
    [0.5, 2.0]
    """
    from art.attacks.evasion import DeepFool

    X = np.ascontiguousarray(X, dtype=np.float32)
    if clip_values is not None and (X.min() < clip_values[0] or X.max() > clip_values[1]):
        raise ValueError(
            f"X has values in [{X.min():.4g}, {X.max():.4g}], outside clip_values={clip_values}: "
            "DeepFool would clip the inputs themselves. Pass clip_values=None for unbounded "
            "inputs, or the range of your data."
        )
    classifier = to_art_classifier(net, clip_values=clip_values, input_shape=X.shape[1:])
    attack = DeepFool(classifier, max_iter=max_iter, epsilon=epsilon,
                      nb_grads=classifier.nb_classes, batch_size=batch_size, verbose=False)
    with art_quiet(verbose=False), input_gradients_only(net.module_):
        delta = attack.generate(X).reshape(len(X), -1)
    delta -= X.reshape(len(X), -1)  # in place: no further copy of X
    return np.linalg.norm(delta, axis=1).astype(np.float64)
