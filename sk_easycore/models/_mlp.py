"""The residual MLP of the EasyCore paper's synthetic 2D experiment."""

from torch import nn

from ._layers import _check_input_shape, _maybe_normalize

__all__ = ["ResidualMLP"]


class _PreNormBlock(nn.Module):
    """``x + Linear(ReLU(LayerNorm(x)))``."""

    def __init__(self, width):
        super().__init__()
        self.norm = nn.LayerNorm(width)
        self.linear = nn.Linear(width, width)

    def forward(self, x):
        return x + self.linear(self.norm(x).relu())


class ResidualMLP(nn.Module):
    """A deep MLP of pre-LayerNorm residual blocks for low-dimensional data; outputs logits.

    ``Linear(in_features, width)``, then ``n_blocks`` blocks
    ``x = x + Linear(ReLU(LayerNorm(x)))``, a final LayerNorm and ReLU, and
    ``Linear(width, n_classes)``. At the defaults (20 blocks of 256 features)
    it has about 1.3M parameters, the size of the EasyCore paper's 2D model.
    LayerNorm acts on each sample alone, so samples in a batch never interact.

    Parameters
    ----------
    in_features : int, default=2
        Number of input columns.
    n_classes : int, default=2
        Number of classes (outputs).
    n_blocks : int, default=20
        Number of residual blocks.
    width : int, default=256
        Features in every block, and the size returned by :meth:`embed`.
    mean, std : sequence of float or None, default=None
        When given, a :class:`Normalize` layer standardizes each input column
        first.

    Attributes
    ----------
    normalize : Normalize or nn.Identity
        The input standardization (identity without ``mean`` and ``std``).
    stem : nn.Linear
        ``in_features -> width``.
    blocks : nn.Sequential
        The ``n_blocks`` residual blocks.
    final_norm : nn.LayerNorm
        Applied before the last ReLU; its output is :meth:`embed`.
    classifier : nn.Linear
        The output layer, ``width -> n_classes``.

    Examples
    --------
    >>> import torch
    >>> model = ResidualMLP(n_classes=3, n_blocks=2, width=16)
    >>> X = torch.rand(4, 2)
    >>> model(X).shape, model.embed(X).shape
    (torch.Size([4, 3]), torch.Size([4, 16]))
    """

    def __init__(self, in_features=2, n_classes=2, n_blocks=20, width=256, mean=None, std=None):
        super().__init__()
        self.in_features = in_features
        self.normalize = _maybe_normalize(mean, std)
        self.stem = nn.Linear(in_features, width)
        self.blocks = nn.Sequential(*(_PreNormBlock(width) for _ in range(n_blocks)))
        self.final_norm = nn.LayerNorm(width)
        self.classifier = nn.Linear(width, n_classes)

    def embed(self, X):
        """Return the penultimate features (after the final LayerNorm and ReLU).

        Parameters
        ----------
        X : torch.Tensor of shape (n_samples, in_features)

        Returns
        -------
        features : torch.Tensor of shape (n_samples, width)
        """
        expected = (("n_samples", None), ("in_features", self.in_features))
        _check_input_shape(type(self).__name__, X, expected)
        x = self.blocks(self.stem(self.normalize(X)))
        return self.final_norm(x).relu()

    def forward(self, X):
        """Return the logits, of shape ``(n_samples, n_classes)``.

        Parameters
        ----------
        X : torch.Tensor of shape (n_samples, in_features)

        Returns
        -------
        logits : torch.Tensor of shape (n_samples, n_classes)
        """
        return self.classifier(self.embed(X))
