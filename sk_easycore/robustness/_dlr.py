"""AutoAttack's targeted DLR loss, and its form for an ART classifier (labels carry the target).

ART's ``difference_logits_ratio`` loss is not AutoAttack's targeted DLR (see
:mod:`sk_easycore.robustness._autoattack`): here the loss is written out, and
:class:`TargetedDLRLoss` lets an ART classifier use it, with the target
travelling inside the labels ART passes to the loss (``one_hot(y) -
one_hot(t)``: its argmax is the true class, its argmin the target).
"""

import numpy as np
import torch

__all__ = ["TargetedDLRLoss", "encode_targets", "targeted_dlr_loss"]


def targeted_dlr_loss(logits, y, target):
    """AutoAttack's targeted DLR loss, per sample (to be maximized).

    ``-(z_y - z_t) / (z_pi1 - (z_pi3 + z_pi4) / 2)`` with ``z_pi1 >= z_pi2 >=
    ...`` the sorted logits (Croce & Hein 2020, eq. 7). It is invariant to
    shifting and scaling the logits and positive once the target's logit
    exceeds the true class's. With three classes ``z_pi4`` is taken as
    ``z_pi3``; with two the denominator is 1 (the ratio would be +-1, with no
    gradient).

    Parameters
    ----------
    logits : torch.Tensor of shape (n, n_classes)
        The model's outputs.
    y : torch.Tensor of shape (n,)
        True classes.
    target : torch.Tensor of shape (n,)
        Target classes.

    Returns
    -------
    loss : torch.Tensor of shape (n,)

    Examples
    --------
    >>> import torch
    >>> z = torch.tensor([[3.0, 1.0, 2.0, 0.5, -1.0]])
    >>> targeted_dlr_loss(z, torch.tensor([0]), torch.tensor([2]))  # -(3 - 2) / (3 - 0.75)
    tensor([-0.4444])
    """
    ranked = torch.sort(logits, dim=1, descending=True).values
    n_classes = logits.shape[1]
    if n_classes >= 3:
        third, fourth = ranked[:, 2], ranked[:, min(3, n_classes - 1)]
        scale = ranked[:, 0] - (third + fourth) / 2
    else:
        scale = torch.ones_like(ranked[:, 0])
    z_y = logits.gather(1, y[:, None])[:, 0]
    z_t = logits.gather(1, target[:, None])[:, 0]
    return -(z_y - z_t) / (scale + 1e-12)


class TargetedDLRLoss(torch.nn.modules.loss._Loss):
    """:func:`targeted_dlr_loss` for ART: labels ``one_hot(y) - one_hot(t)`` carry both classes."""

    def forward(self, input, target):  # noqa: A002 -- torch's loss signature
        target = torch.as_tensor(target, device=input.device)
        loss = targeted_dlr_loss(input, target.argmax(dim=1), target.argmin(dim=1))
        if self.reduction == "mean":
            return loss.mean()
        if self.reduction == "sum":
            return loss.sum()
        return loss


def encode_targets(y, target, n_classes):
    """Labels for the targeted DLR classifier: +1 at the true class, -1 at the target."""
    encoded = np.zeros((len(y), n_classes), dtype=np.float32)
    rows = np.arange(len(y))
    encoded[rows, y] = 1.0
    encoded[rows, target] = -1.0
    return encoded
