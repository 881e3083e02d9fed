"""What the dynamics scores read from a skorch net: logits, output-layer inputs, statistics."""

import numpy as np
import torch
from torch import nn

from ..data import eval_batches, loader_params

__all__ = [
    "OutputLayerProbe", "batch_dynamics", "check_logits_criterion", "forward_outputs", "to_logits",
]


def check_logits_criterion(net):
    """Raise unless ``net`` trains with cross-entropy on logits or NLLLoss on probabilities."""
    criterion = net.criterion
    kind = criterion if isinstance(criterion, type) else type(criterion)
    if not (isinstance(kind, type) and issubclass(kind, (nn.CrossEntropyLoss, nn.NLLLoss))):
        raise ValueError(
            f"The net's criterion is {getattr(kind, '__name__', kind)!r}; training-dynamics "
            "scores need a classifier trained with torch.nn.CrossEntropyLoss (module outputs "
            "logits) or skorch's default NLLLoss (module outputs probabilities)."
        )


def to_logits(net, output):
    """The module's output as logits: first element of a tuple; log of NLLLoss probabilities."""
    if isinstance(output, (tuple, list)):
        output = output[0]  # skorch's convention: the first output is the prediction
    output = output.detach().float()
    if isinstance(net.criterion_, nn.NLLLoss):
        output = torch.log(output + torch.finfo(output.dtype).eps)
    return output


class OutputLayerProbe:
    """After every forward of ``module``, hold the input of the ``nn.Linear`` that made its output.

    Forward hooks on every ``nn.Linear`` remember the last one called; a hook
    on ``module`` keeps that layer's input as :attr:`features` only when the
    module returns that layer's output unchanged (so the logits are
    ``features @ W.T + b`` and the last-layer gradient has a closed form) and
    the input is 2-D. Otherwise :attr:`features` is None. No tensor is copied.

    Use as a context manager, or :meth:`attach` and :meth:`remove`.

    Examples
    --------
    >>> import torch
    >>> module = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    >>> with OutputLayerProbe(module) as probe:
    ...     _ = module(torch.ones(5, 3))
    ...     probe.features.shape, probe.bias
    (torch.Size([5, 4]), True)
    """

    def __init__(self, module):
        self.module = module
        self.features = None
        self.bias = True
        self._last = None
        self._handles = []

    def attach(self):
        for layer in self.module.modules():
            if isinstance(layer, nn.Linear):
                self._handles.append(layer.register_forward_hook(self._linear_hook))
        self._handles.append(self.module.register_forward_pre_hook(self._reset))
        self._handles.append(self.module.register_forward_hook(self._output_hook))
        return self

    def remove(self):
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def __enter__(self):
        return self.attach()

    def __exit__(self, *exc):
        self.remove()

    def _reset(self, module, args):
        self._last, self.features = None, None

    def _linear_hook(self, layer, args, output):
        self._last = (layer, args[0], output)

    def _output_hook(self, module, args, output):
        if isinstance(output, (tuple, list)):
            output = output[0]
        last, self._last = self._last, None
        if last is not None and last[2] is output and last[1].dim() == 2:
            self.features, self.bias = last[1], last[0].bias is not None
        else:
            self.features = None


def batch_dynamics(logits, y, features=None, bias=True):
    """Per-sample cross-entropy, EL2N, last-layer GraNd and correctness of one batch.

    EL2N is ``||softmax(z) - onehot(y)||_2``. For logits ``z = W h + b`` the
    cross-entropy gradient is ``(p - onehot) h^T`` for ``W`` and ``p - onehot``
    for ``b``, so the last-layer gradient norm is ``EL2N * sqrt(||h||^2 + 1)``
    (``EL2N * ||h||`` without bias). GraNd is None when ``features`` is.

    Parameters
    ----------
    logits : torch.Tensor of shape (n, n_classes)
    y : torch.Tensor of shape (n,)
        Encoded labels, on the device of ``logits``.
    features : torch.Tensor of shape (n, d) or None
        Input of the output layer.
    bias : bool, default=True
        Whether the output layer has a bias.

    Returns
    -------
    loss, el2n, grand, correct : torch.Tensor of shape (n,) (grand may be None)

    Examples
    --------
    >>> import torch
    >>> loss, el2n, grand, correct = batch_dynamics(
    ...     torch.tensor([[0.0, 0.0]]), torch.tensor([0]), torch.tensor([[3.0, 0.0]]))
    >>> round(el2n.item(), 4), round(grand.item(), 4), correct.tolist()
    (0.7071, 2.2361, [True])
    """
    logits = logits.detach().float()
    log_p = torch.log_softmax(logits, dim=1)
    rows = torch.arange(len(y), device=logits.device)
    loss = -log_p[rows, y]
    error = log_p.exp()
    error[rows, y] -= 1.0
    el2n = error.norm(dim=1)
    grand = None
    if features is not None:
        squared = features.detach().float().pow(2).sum(dim=1) + (1.0 if bias else 0.0)
        grand = el2n * squared.sqrt()
    # ties (e.g. all-equal logits) count as correct when the label is the first maximum
    correct = logits.argmax(dim=1) == y
    return loss, el2n, grand, correct


def forward_outputs(net, X, y=None, *, keep_outputs=True):
    """One eval-mode pass of ``net.module_`` over ``X`` (no gradients, no augmentation).

    Parameters
    ----------
    net : skorch.NeuralNetClassifier
        An initialized net.
    X : ndarray of shape (n_samples, ...) or torch.utils.data.Dataset
        Inputs (float32 arrays), or a dataset read batch by batch.
    y : ndarray of shape (n_samples,) or None, default=None
        Encoded labels; EL2N and GraNd are computed when given.
    keep_outputs : bool, default=True
        Return the probabilities and embeddings (otherwise None).

    Returns
    -------
    outputs : dict
        ``probas`` (n, n_classes) float32, ``embeddings`` (n, d) float32 (from
        ``module_.embed`` when the module has it, else the input of the output
        layer; None when neither exists), ``el2n`` and ``grand`` (n,) float64
        (None without ``y``; GraNd None without an output layer).
    """
    module = net.module_
    was_training = module.training
    module.eval()
    # Preallocated on the first batch: concatenating batch lists would double the peak.
    out = {"probas": None, "embeddings": None, "el2n": None, "grand": None}
    missing = set() if keep_outputs else {"probas", "embeddings"}
    if y is None:
        missing |= {"el2n", "grand"}
    try:
        with OutputLayerProbe(module) as probe, torch.no_grad():
            for start, xb, yb in eval_batches(X, y, net.batch_size, device=net.device,
                                              params=loader_params(net)):
                logits = to_logits(net, module(xb))
                features, bias = probe.features, probe.bias
                batch = {}
                if y is not None:
                    stats = batch_dynamics(logits, yb.to(logits.device), features, bias)
                    batch["el2n"], batch["grand"] = stats[1], stats[2]
                if keep_outputs:
                    batch["probas"] = torch.softmax(logits, dim=1)
                    embed = getattr(module, "embed", None)
                    batch["embeddings"] = features if embed is None else embed(xb)
                for name, values in batch.items():
                    if values is None or name in missing:
                        missing.add(name)
                        continue
                    values = values.float().flatten(1) if values.dim() > 1 else values
                    if out[name] is None:
                        dtype = np.float32 if values.dim() > 1 else np.float64
                        out[name] = np.empty((len(X), *values.shape[1:]), dtype=dtype)
                    out[name][start:start + len(values)] = values.cpu().numpy()
    finally:
        module.train(was_training)
    return {name: None if name in missing else values for name, values in out.items()}
