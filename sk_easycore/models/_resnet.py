"""ResNet-18 adapted to 32x32 CIFAR images, built from torchvision without weights."""

from torch import nn

from ._layers import Normalize, _check_input_shape

__all__ = ["CIFARResNet", "cifar_resnet18", "CIFAR10_MEAN", "CIFAR10_STD"]

CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2470, 0.2435, 0.2616)


class CIFARResNet(nn.Module):
    """torchvision's ResNet-18 with the usual CIFAR stem; outputs logits.

    The 7x7 stride-2 first convolution becomes a 3x3 stride-1 one and the
    first max pooling is removed, so 32x32 inputs keep enough resolution.
    Weights are randomly initialized; nothing is ever downloaded.

    Parameters
    ----------
    num_classes : int, default=10
        Number of classes (outputs).
    normalize : bool, default=True
        Standardize the input with the CIFAR-10 mean and std inside the model,
        so it takes raw [0, 1] pixels.

    Attributes
    ----------
    normalize : Normalize or nn.Identity
        The input standardization.
    net : torchvision.models.ResNet
        The ResNet-18 with the CIFAR stem; its ``fc`` is the output layer.

    Examples
    --------
    >>> import torch
    >>> model = CIFARResNet(num_classes=10).eval()
    >>> with torch.no_grad():
    ...     X = torch.rand(2, 3, 32, 32)
    ...     model(X).shape, model.embed(X).shape
    (torch.Size([2, 10]), torch.Size([2, 512]))
    """

    def __init__(self, num_classes=10, normalize=True):
        super().__init__()
        # imported here: torchvision is slow to import and only this model needs it
        from torchvision.models import resnet18

        net = resnet18(weights=None, num_classes=num_classes)
        net.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
        net.maxpool = nn.Identity()
        self.normalize = Normalize(CIFAR10_MEAN, CIFAR10_STD) if normalize else nn.Identity()
        self.net = net

    def embed(self, X):
        """Return the 512-d penultimate features (after average pooling).

        Parameters
        ----------
        X : torch.Tensor of shape (n_samples, 3, height, width)

        Returns
        -------
        features : torch.Tensor of shape (n_samples, 512)
        """
        expected = (("n_samples", None), ("channels", 3), ("height", None), ("width", None))
        _check_input_shape(type(self).__name__, X, expected)
        net = self.net
        x = net.relu(net.bn1(net.conv1(self.normalize(X))))
        x = net.layer4(net.layer3(net.layer2(net.layer1(net.maxpool(x)))))
        return net.avgpool(x).flatten(1)

    def forward(self, X):
        """Return the logits, of shape ``(n_samples, num_classes)``.

        Parameters
        ----------
        X : torch.Tensor of shape (n_samples, 3, height, width)

        Returns
        -------
        logits : torch.Tensor of shape (n_samples, num_classes)
        """
        return self.net.fc(self.embed(X))


def cifar_resnet18(num_classes=10, normalize=True):
    """Return a randomly initialized :class:`CIFARResNet` (ResNet-18 for 32x32 inputs).

    Parameters
    ----------
    num_classes : int, default=10
        Number of classes (outputs).
    normalize : bool, default=True
        Put the CIFAR-10 mean/std normalization inside the model.

    Returns
    -------
    model : CIFARResNet

    Examples
    --------
    >>> model = cifar_resnet18(num_classes=100)
    >>> model.net.fc.out_features, model.net.conv1.kernel_size
    (100, (3, 3))
    """
    return CIFARResNet(num_classes=num_classes, normalize=normalize)
