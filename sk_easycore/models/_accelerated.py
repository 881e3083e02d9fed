"""Accelerated: a model run under bf16 autocast and/or in channels_last memory format."""

import torch
from torch import nn

__all__ = ["PRECISIONS", "Accelerated"]

PRECISIONS = ("fp32", "bf16")


class Accelerated(nn.Module):
    """Wrap a model to run it under bfloat16 autocast and/or with channels_last tensors.

    The GPU fast path for convolutional networks: under ``precision="bf16"``
    the forward pass runs in ``torch.autocast`` (matrix products and
    convolutions in bfloat16, reductions in float32) and the logits come back
    as float32, so losses, attacks and their gradients are computed as usual;
    with ``channels_last`` the weights and each input batch use the NHWC layout
    that tensor cores prefer. Inputs stay in [0, 1] (pixel units): attack
    budgets mean the same. With ``"fp32"`` and no ``channels_last`` it is the
    model itself.

    Parameters
    ----------
    module : type or callable
        The model class or factory (``SmallCNN``, ``cifar_resnet18``, ...).
    precision : {"fp32", "bf16"}, default="bf16"
        The autocast dtype (on the input's device type).
    channels_last : bool, default=False
        Use the channels_last memory format (4-D inputs).
    **module_params
        Passed to ``module``.

    Attributes
    ----------
    inner : nn.Module
        The wrapped model.

    Examples
    --------
    >>> from sk_easycore.models import SmallCNN
    >>> model = Accelerated(SmallCNN, precision="bf16", channels_last=True, n_classes=3)
    >>> logits = model(torch.rand(4, 1, 8, 8))
    >>> logits.shape, logits.dtype
    (torch.Size([4, 3]), torch.float32)
    """

    def __init__(self, module, precision="bf16", channels_last=False, **module_params):
        super().__init__()
        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}; got {precision!r}.")
        self.inner = module(**module_params)
        self.precision = precision
        self.channels_last = bool(channels_last)
        if self.channels_last:
            self.inner = self.inner.to(memory_format=torch.channels_last)

    def _run(self, method, x):
        if self.channels_last and x.dim() == 4:
            x = x.contiguous(memory_format=torch.channels_last)
        with torch.autocast(device_type=x.device.type, dtype=torch.bfloat16,
                            enabled=self.precision == "bf16"):
            out = method(x)
        return out.float()

    def forward(self, x):
        """Logits of ``x`` (float32)."""
        return self._run(self.inner, x)

    def embed(self, x):
        """The wrapped model's penultimate features (float32), when it has ``embed``."""
        return self._run(self.inner.embed, x)
