"""Training augmentation applied to whole batches on the model's device (no per-sample CPU work)."""

import torch

__all__ = ["AUGMENTATIONS", "augment_batch", "random_crop_flip"]

AUGMENTATIONS = ("none", "crop_flip")


def random_crop_flip(x, *, padding=4):
    """Random crop with ``padding`` zero pixels on every side, then a random horizontal flip.

    The standard CIFAR augmentation (Zagoruyko & Komodakis; He et al.), done for a
    whole batch at once with tensor indexing on ``x``'s device: each image gets its
    own offset in ``[0, 2 * padding]`` per axis and its own coin for the flip,
    drawn from torch's generator of that device (seed it with
    :func:`sk_easycore.utils.torch_seed`).

    Parameters
    ----------
    x : torch.Tensor of shape (n, C, H, W)
        A batch of images.
    padding : int, default=4
        Zero padding before cropping back to ``H x W``.

    Returns
    -------
    augmented : torch.Tensor of shape (n, C, H, W)
        A new tensor; ``x`` is unchanged.

    Examples
    --------
    >>> x = torch.arange(16.0).reshape(1, 1, 4, 4)
    >>> random_crop_flip(x, padding=1).shape
    torch.Size([1, 1, 4, 4])
    >>> bool(random_crop_flip(x, padding=0).sum() == x.sum())  # no padding: a flip at most
    True
    """
    if x.dim() != 4:
        raise ValueError(f"crop_flip augments images (n, C, H, W); got shape {tuple(x.shape)}.")
    n, c, h, w = x.shape
    device = x.device
    padded = torch.nn.functional.pad(x, (padding, padding, padding, padding))
    top = torch.randint(0, 2 * padding + 1, (n,), device=device)
    left = torch.randint(0, 2 * padding + 1, (n,), device=device)
    rows = (top[:, None] + torch.arange(h, device=device)[None])[:, None, :, None]
    cols = (left[:, None] + torch.arange(w, device=device)[None])[:, None, None, :]
    batch = torch.arange(n, device=device)[:, None, None, None]
    channel = torch.arange(c, device=device)[None, :, None, None]
    out = padded[batch, channel, rows, cols]
    flip = torch.rand(n, device=device) < 0.5
    return torch.where(flip[:, None, None, None], out.flip(-1), out)


def augment_batch(x, augment):
    """``x`` augmented by the named augmentation (``"none"`` returns it as is).

    Parameters
    ----------
    x : torch.Tensor
        A batch of inputs.
    augment : {"none", "crop_flip"} or None
        The augmentation.

    Returns
    -------
    augmented : torch.Tensor

    Examples
    --------
    >>> augment_batch(torch.zeros(2, 3), "none").shape
    torch.Size([2, 3])
    """
    if augment in (None, "none"):
        return x
    if augment == "crop_flip":
        return random_crop_flip(x)
    raise ValueError(f"augment must be one of {AUGMENTATIONS}; got {augment!r}.")

