"""Shared layers: in-model input normalization and the input shape check."""

import torch
from torch import nn

__all__ = ["Normalize"]


class Normalize(nn.Module):
    """Standardize the input per channel: ``(x - mean) / std`` over dimension 1.

    Normalization lives inside the model so that inputs stay in pixel units
    ([0, 1]) and attack budgets such as ``eps=8/255`` mean what they say.
    Works on images ``(n, C, H, W)`` and on tabular rows ``(n, C)``.

    Parameters
    ----------
    mean : float or sequence of float
        The per-channel means (one value broadcasts to every channel).
    std : float or sequence of float
        The per-channel standard deviations, all strictly positive.

    Attributes
    ----------
    mean, std : torch.Tensor of shape (n_channels,)
        Buffers (moved with the model, never trained).

    Examples
    --------
    >>> import torch
    >>> norm = Normalize(mean=[0.5], std=[0.25])
    >>> norm(torch.ones(1, 1, 2, 2)).flatten().tolist()
    [2.0, 2.0, 2.0, 2.0]
    """

    def __init__(self, mean, std):
        super().__init__()
        mean = torch.as_tensor(mean, dtype=torch.float32).flatten()
        std = torch.as_tensor(std, dtype=torch.float32).flatten()
        if mean.shape != std.shape:
            raise ValueError(
                f"mean and std must have the same length, got {mean.numel()} and {std.numel()}."
            )
        if not bool(torch.all(std > 0)):
            raise ValueError(f"std must be strictly positive, got {std.tolist()}.")
        # buffers, not parameters: they move with .to(device) but are never trained
        self.register_buffer("mean", mean)
        self.register_buffer("std", std)

    def forward(self, x):
        """Return the standardized input, of the same shape as ``x``."""
        n_channels = self.mean.numel()
        if x.dim() < 2 or (n_channels > 1 and x.shape[1] != n_channels):
            raise ValueError(
                f"Normalize has {n_channels} channels and expects input of shape "
                f"(n_samples, {n_channels}, ...), got shape {tuple(x.shape)}."
            )
        shape = (1, n_channels) + (1,) * (x.dim() - 2)
        return (x - self.mean.view(shape)) / self.std.view(shape)

    def extra_repr(self):
        return f"mean={self.mean.tolist()}, std={self.std.tolist()}"


def _maybe_normalize(mean, std):
    """Return a ``Normalize`` layer, or ``nn.Identity`` when both are None."""
    if mean is None and std is None:
        return nn.Identity()
    if mean is None or std is None:
        raise ValueError("Pass both mean and std to normalize the input, or neither.")
    return Normalize(mean, std)


def _check_input_shape(model_name, X, expected, hint=""):
    """Raise a ValueError unless ``X`` matches ``expected`` (None = any size).

    ``expected`` is a tuple of ``(name, size)`` pairs, one per dimension;
    ``hint`` is appended to the message.
    """
    names = ", ".join(name for name, _ in expected)
    ok = X.dim() == len(expected) and all(
        size is None or X.shape[i] == size for i, (_, size) in enumerate(expected)
    )
    if not ok:
        sizes = ", ".join(name if size is None else str(size) for name, size in expected)
        raise ValueError(
            f"{model_name} expects X of shape ({names}) = ({sizes}), "
            f"got shape {tuple(X.shape)}.{hint}"
        )
