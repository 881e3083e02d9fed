"""A small convolutional network for 8x8 digits and other small images."""

from torch import nn

from ._layers import _check_input_shape, _maybe_normalize

__all__ = ["SmallCNN"]


class SmallCNN(nn.Module):
    """Two 3x3 convolutions, max pooling and a two-layer head; outputs logits.

    The layers are ``conv3x3(width) - ReLU - conv3x3(2 * width) - ReLU -
    MaxPool2 - AdaptiveAvgPool2d(4) - Linear(hidden) - ReLU - Linear(n_classes)``.
    There is no batch normalization and no dropout, so samples in a batch never
    interact and per-sample input gradients taken during training are exact.
    Made for 8x8 digits, it accepts any height and width of at least 2 (the
    adaptive pooling fixes the head's input size).

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
        When given, a :class:`Normalize` layer standardizes the input first,
        so the model takes raw [0, 1] pixels.

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
    >>> model = SmallCNN(n_classes=10)
    >>> X = torch.rand(5, 1, 8, 8)
    >>> model(X).shape, model.embed(X).shape
    (torch.Size([5, 10]), torch.Size([5, 128]))
    """

    def __init__(self, in_channels=1, n_classes=10, width=32, hidden=128, mean=None, std=None):
        super().__init__()
        self.in_channels = in_channels
        self.normalize = _maybe_normalize(mean, std)
        self.features = nn.Sequential(
            nn.Conv2d(in_channels, width, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2d(width, 2 * width, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.AdaptiveAvgPool2d(4),
            nn.Flatten(),
            nn.Linear(2 * width * 4 * 4, hidden),
            nn.ReLU(),
        )
        self.classifier = nn.Linear(hidden, n_classes)

    def _check(self, X):
        expected = (
            ("n_samples", None),
            ("in_channels", self.in_channels),
            ("height", None),
            ("width", None),
        )
        hint = (
            " Flattened images must be reshaped first, e.g. X.reshape(-1, 1, 8, 8) for digits."
            if X.dim() == 2
            else ""
        )
        _check_input_shape(type(self).__name__, X, expected, hint)
        if X.shape[2] < 2 or X.shape[3] < 2:
            raise ValueError(
                f"{type(self).__name__} needs images of at least 2x2 pixels, "
                f"got shape {tuple(X.shape)}."
            )

    def embed(self, X):
        """Return the penultimate activations, of shape ``(n_samples, hidden)``.

        Parameters
        ----------
        X : torch.Tensor of shape (n_samples, in_channels, height, width)

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
        X : torch.Tensor of shape (n_samples, in_channels, height, width)

        Returns
        -------
        logits : torch.Tensor of shape (n_samples, n_classes)
        """
        return self.classifier(self.embed(X))
