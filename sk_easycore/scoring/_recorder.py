"""A skorch callback that records each sample's input-gradient norm, epoch by epoch."""

from contextlib import contextmanager

import numpy as np
import torch
from skorch.callbacks import Callback
from tqdm.auto import tqdm

from ..data import LabeledDataset, eval_batches, loader_params, reporting_iterator

__all__ = ["InputGradientRecorder"]


def _mean_denominator(criterion, y_batch, batch_size):
    """What a mean-reduced ``criterion`` divides the summed loss by for this batch."""
    reduction = getattr(criterion, "reduction", "mean")
    if reduction == "sum":
        return 1.0
    weight = getattr(criterion, "weight", None)
    if weight is not None and y_batch is not None:
        # Class-weighted mean losses divide by the summed weights, not the batch size.
        return weight[torch.as_tensor(y_batch, device=weight.device)].sum()
    return float(batch_size)


def eval_input_gradient_norms(net, X, y, *, on_batch=None):
    """Per-sample ``||d loss(x_i, y_i) / d x_i||_2`` of an initialized skorch net, in eval mode.

    One pass over ``X`` in the net's batches (arrays sliced, a dataset read
    through a DataLoader with the net's ``iterator_valid`` settings), weights
    untouched, no augmentation, the module put back in the mode it was in.
    The loss is the net's own (``get_loss``), its mean reduction undone.

    Parameters
    ----------
    net : skorch.NeuralNetClassifier
        An initialized net.
    X : ndarray or torch.utils.data.Dataset
        Inputs (float32 arrays) or a dataset of ``(x, label)`` items.
    y : ndarray of shape (n_samples,)
        The labels as the net's loss takes them (output indices).
    on_batch : callable or None, default=None
        ``on_batch(start, y_pred, y_batch)`` sees the module's output on rows
        ``start:start + len(y_batch)``.

    Returns
    -------
    norms : ndarray of shape (n_samples,), dtype float32

    Examples
    --------
    >>> import numpy as np, torch
    >>> from skorch import NeuralNetClassifier
    >>> net = NeuralNetClassifier(torch.nn.Linear(2, 2), criterion=torch.nn.CrossEntropyLoss)
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    >>> eval_input_gradient_norms(net.initialize(), X, np.array([0, 1])).shape
    (2,)
    """
    module = net.module_
    was_training = module.training
    module.eval()
    norms = np.empty(len(X), dtype=np.float32)
    try:
        for start, xb, yb in eval_batches(X, y, net.batch_size, device=net.device,
                                          params=loader_params(net)):
            xb = xb.detach().requires_grad_(True)
            with torch.enable_grad():
                y_pred = net.infer(xb)
                loss = net.get_loss(y_pred, yb, X=xb, training=False)
                (grad,) = torch.autograd.grad(loss, xb)
            denominator = _mean_denominator(net.criterion_, yb, len(xb))
            batch_norms = grad.reshape(len(grad), -1).norm(dim=1) * denominator
            norms[start:start + len(xb)] = batch_norms.detach().cpu().numpy()
            if on_batch is not None:
                on_batch(start, y_pred.detach(), yb)
    finally:
        module.train(was_training)
    return norms


class InputGradientRecorder(Callback):
    """Record ``||d loss(x_i, y_i) / d x_i||_2`` for every sample during skorch training.

    The net is fed a :class:`~sk_easycore.data.LabeledDataset` built with
    ``with_index=True``, whose items carry their row index; inside
    :meth:`recording` the net's ``iterator_train`` hands each batch's indices
    to the recorder and the batch itself, without them, to skorch, so any
    module skorch accepts works unchanged and the data may be arrays or any
    map-style dataset.

    In ``mode="train"`` the norm comes from the backward pass the training step
    already does: a gradient hook on the batch input reads it, and the
    mean reduction of the loss is undone (times the batch size, or the summed
    class weights for a weighted loss). Each sample's norm is taken at the
    weights of the moment its batch is trained. With batch normalization in
    train mode, samples in a batch are coupled through the batch statistics, so
    a sample's value also contains the effect of its input on the other samples'
    losses; it then approximates the eval-mode value rather than equalling it.

    In ``mode="eval"`` a separate pass over the raw training arrays (no
    augmentation, module in eval mode, weights untouched) runs after training
    epochs ``every, 2 * every, ...``.

    Parameters
    ----------
    n_samples : int
        Number of training rows; buffers are sized by it.
    mode : {"train", "eval"}, default="train"
        Where the norm is taken (see above).
    every : int, default=1
        Record epochs ``every, 2 * every, ...`` (1-based).
    keep_history : bool, default=True
        Keep one row of norms per recorded epoch; otherwise only a running sum.
    verbose : int, default=0
        Show a progress bar over epochs when positive.

    Attributes
    ----------
    sum_ : ndarray of shape (n_samples,)
        Sum of the recorded norms of each sample.
    count_ : ndarray of shape (n_samples,)
        Number of recorded epochs in which each sample was seen.
    history_ : list of ndarray
        Norms per recorded epoch (NaN for a sample not seen in that epoch).
    epochs_ : list of int
        The recorded epochs.
    batch_index_ : torch.Tensor
        Row indices of the training batch being processed.

    See Also
    --------
    AIGNScorer : Attaches it for one training and averages the norms.

    Examples
    --------
    :class:`AIGNScorer` attaches it for one training; by hand:

    >>> import numpy as np, torch
    >>> from skorch import NeuralNetClassifier
    >>> from sk_easycore.data import LabeledDataset
    >>> from sk_easycore.scoring import InputGradientRecorder
    >>> X = np.random.RandomState(0).rand(40, 3).astype(np.float32)
    >>> y = (X[:, 0] > 0.5).astype(np.int64)
    >>> net = NeuralNetClassifier(torch.nn.Linear(3, 2), criterion=torch.nn.CrossEntropyLoss,
    ...                           max_epochs=2, train_split=None, verbose=0).initialize()
    >>> recorder = InputGradientRecorder(len(X), every=2)
    >>> with recorder.recording(net):
    ...     _ = net.partial_fit(LabeledDataset(X, y, with_index=True), y)
    >>> recorder.epochs_, len(recorder.history_), bool((recorder.sum_ > 0).all())
    ([2], 1, True)
    """

    def __init__(self, n_samples, *, mode="train", every=1, keep_history=True, verbose=0):
        self.n_samples = n_samples
        self.mode = mode
        self.every = every
        self.keep_history = keep_history
        self.verbose = verbose

    def attach(self, net):
        """Route ``net``'s training batches through :meth:`on_batch_data`; return a handle.

        The handle's ``remove()`` gives the net back its own ``iterator_train``.
        """
        self.net_ = net
        return _IteratorSwap(net, reporting_iterator(net.iterator_train, self.on_batch_data))

    @contextmanager
    def recording(self, net, name="aign_recorder"):
        """Record during the trainings of an initialized ``net`` inside the ``with`` block.

        The recorder goes first among ``net.callbacks_`` (so skorch's epoch
        timer and log include the recording) and the net's ``iterator_train``
        reports each batch's indices to it; both are undone on leaving the
        block, even on error. Feed the net a
        ``LabeledDataset(X, y, with_index=True)`` inside it.
        """
        net.callbacks_.insert(0, (name, self))
        handle = self.attach(net)
        try:
            yield self
        finally:
            handle.remove()
            net.callbacks_ = [cb for cb in net.callbacks_ if cb[1] is not self]

    def on_batch_data(self, X, y, index):
        """A training batch as it leaves the loader: keep its indices, hook its input if recording.

        Returns the batch input to train on: on the net's device and, in
        recorded train-mode epochs, a leaf with a hook that records its
        per-row gradient norm during the training step's backward pass.
        """
        self.batch_index_ = index
        if not self._active:
            return X
        X = X.to(self.net_.device).detach().requires_grad_(True)
        denominator = _mean_denominator(self.net_.criterion_, y, len(X))
        X.register_hook(lambda grad: self._record(index, grad, denominator))
        return X

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self.sum_ = np.zeros(self.n_samples, dtype=np.float64)
        self.count_ = np.zeros(self.n_samples, dtype=np.int64)
        self.history_, self.epochs_ = [], []
        if not isinstance(X, LabeledDataset):
            raise TypeError("train the net on LabeledDataset(X, y, with_index=True) while "
                            "recording, so that every batch carries its row indices.")
        self._data = (X.base, X.targets)
        self._active = False
        self._bar = tqdm(total=net.max_epochs, desc="AIGN", disable=not self.verbose)

    def on_train_end(self, net, **kwargs):
        self._bar.close()
        self._data = None

    def on_epoch_begin(self, net, **kwargs):
        # skorch appends this epoch's history row before the callbacks run.
        self._epoch = len(net.history)
        self._active = self.mode == "train" and self._epoch % self.every == 0
        if self._active:
            self._norms = torch.full((self.n_samples,), float("nan"), device=net.device)

    def on_epoch_end(self, net, **kwargs):
        if self.mode == "eval" and self._epoch % self.every == 0:
            self._commit(self._eval_pass(net))
        elif self._active:
            self._commit(self._norms.cpu().numpy())
            self._active, self._norms = False, None
        self._bar.update(1)

    def _commit(self, norms):
        seen = ~np.isnan(norms)
        self.sum_[seen] += norms[seen]
        self.count_ += seen
        if self.keep_history:
            self.history_.append(norms.astype(np.float32))
        self.epochs_.append(self._epoch)

    def _record(self, index, grad, denominator):
        norms = grad.detach().reshape(len(grad), -1).norm(dim=1) * denominator
        self._norms[index.to(self._norms.device)] = norms.to(self._norms.dtype)

    def _eval_pass(self, net):
        X, y = self._data
        return eval_input_gradient_norms(
            net, X, y, on_batch=lambda start, y_pred, yb: self._on_eval_batch(net, start, y_pred, yb))

    def _on_eval_batch(self, net, start, y_pred, y):
        """Subclass hook: the module's output on rows ``start:start + len(y)`` of an eval pass."""


class _IteratorSwap:
    """Gives a skorch net another ``iterator_train`` until ``remove()``."""

    def __init__(self, net, iterator):
        self.net, self.original = net, net.iterator_train
        net.iterator_train = iterator

    def remove(self):
        self.net.iterator_train = self.original
