"""A small 1-D convolutional network for signals ``(n, channels, length)``."""

from torch import nn

from ._layers import _check_input_shape, _maybe_normalize

__all__ = ["SmallCNN1d"]


class SmallCNN1d(nn.Module):
    """Two 1-D convolutions, max pooling and a two-layer head; outputs logits.

    The 1-D counterpart of :class:`SmallCNN`, for signals and other sequences
    of shape ``(n_samples, channels, length)``: ``conv5(width) - ReLU -
    conv5(2 * width) - ReLU - MaxPool2 - AdaptiveAvgPool1d(8) - Linear(hidden)
    - ReLU - Linear(n_classes)``. No batch normalization and no dropout, so
    per-sample input gradients taken during training are exact. Any length of
    at least 2 works (the adaptive pooling fixes the head's input size).

    Parameters
    ----------
    in_channels : int, default=1
        Number of input channels.
    n_classes : int, default=10
        Number of classes (outputs).
    width : int, default=32
        Channels of the first convolution; the second has ``2 * width``.
    hidden : int, default=128
        Size of the penultimate layer, returned by :meth:`embed`.
    mean, std : sequence of float or None, default=None
        Per-channel statistics: when given, a :class:`Normalize` layer
        standardizes the input first, so attack budgets stay in the signal's
        own units.

    Attributes
    ----------
    normalize : Normalize or nn.Identity
        The input standardization (identity without ``mean`` and ``std``).
    features : nn.Sequential
        The convolutions, pooling and the hidden layer: :meth:`embed`.
    classifier : nn.Linear
        The output layer, ``hidden -> n_classes``.

    Examples
    --------
    >>> import torch
    >>> model = SmallCNN1d(in_channels=2, n_classes=3)
    >>> X = torch.rand(5, 2, 40)
    >>> model(X).shape, model.embed(X).shape
    (torch.Size([5, 3]), torch.Size([5, 128]))
    """

    def __init__(self, in_channels=1, n_classes=10, width=32, hidden=128, mean=None, std=None):
        super().__init__()
        self.in_channels = in_channels
        self.normalize = _maybe_normalize(mean, std)
        self.features = nn.Sequential(
            nn.Conv1d(in_channels, width, kernel_size=5, padding=2),
            nn.ReLU(),
            nn.Conv1d(width, 2 * width, kernel_size=5, padding=2),
            nn.ReLU(),
            nn.MaxPool1d(2),
            nn.AdaptiveAvgPool1d(8),
            nn.Flatten(),
            nn.Linear(2 * width * 8, hidden),
            nn.ReLU(),
        )
        self.classifier = nn.Linear(hidden, n_classes)

    def _check(self, X):
        expected = (("n_samples", None), ("in_channels", self.in_channels), ("length", None))
        hint = (" A single-channel signal of shape (n, length) must be reshaped first: "
                "X[:, None, :]." if X.dim() == 2 else "")
        _check_input_shape(type(self).__name__, X, expected, hint)
        if X.shape[2] < 2:
            raise ValueError(f"{type(self).__name__} needs signals of length at least 2, "
                             f"got shape {tuple(X.shape)}.")

    def embed(self, X):
        """Return the penultimate activations, of shape ``(n_samples, hidden)``.

        Parameters
        ----------
        X : torch.Tensor of shape (n_samples, in_channels, length)

        Returns
        -------
        features : torch.Tensor of shape (n_samples, hidden)
        """
        self._check(X)
        return self.features(self.normalize(X))

    def forward(self, X):
        """Return the logits, of shape ``(n_samples, n_classes)``.

        Parameters
        ----------
        X : torch.Tensor of shape (n_samples, in_channels, length)

        Returns
        -------
        logits : torch.Tensor of shape (n_samples, n_classes)
        """
        return self.classifier(self.embed(X))
