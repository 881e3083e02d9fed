"""A skorch callback recording, besides AIGN, each sample's loss, EL2N, GraNd and correctness."""

import numpy as np
import torch

from ._probe import OutputLayerProbe, batch_dynamics, to_logits
from ._recorder import InputGradientRecorder

__all__ = ["DynamicsRecorder"]

DYNAMICS = ("loss", "el2n", "grand", "correct")


class _Handles:
    """Several hook handles removed as one."""

    def __init__(self, *handles):
        self.handles = handles

    def remove(self):
        for handle in self.handles:
            handle.remove()


class DynamicsRecorder(InputGradientRecorder):
    """Record every sample's input-gradient norm, loss, EL2N, last-layer GraNd and correctness.

    A sibling of :class:`InputGradientRecorder` (same modes, same ``every``,
    same indexed input ``LabeledDataset(X, y, with_index=True)``), for the same single
    training. In ``mode="train"`` the statistics come from the logits of the
    training step itself (skorch hands them to ``on_batch_end``), at the
    weights of the moment the batch is trained, as Toneva et al. count
    forgetting events; in ``mode="eval"`` from the extra eval-mode pass the
    parent already makes for the input gradients. GraNd is the closed form of
    the last layer's gradient norm, read from an :class:`OutputLayerProbe`; it
    is NaN when the module's output is not the output of an ``nn.Linear``.

    Running sums only, unless ``keep_history``: then one float32 row per
    recorded epoch and statistic (5 x 4 bytes x n_samples per epoch).

    Parameters
    ----------
    n_samples : int
        Number of training rows; buffers are sized by it.
    mode : {"train", "eval"}, default="train"
        Where the statistics are taken, as for :class:`InputGradientRecorder`.
    every : int, default=1
        Record epochs ``every, 2 * every, ...`` (1-based).
    keep_history : bool, default=True
        Keep one row per recorded epoch and statistic; otherwise running sums.
    verbose : int, default=0
        Show a progress bar over epochs when positive.

    Attributes
    ----------
    loss_sum_ : ndarray of shape (n_samples,)
        Sum of the recorded per-sample cross-entropies.
    dynamics_count_ : ndarray of shape (n_samples,)
        Number of recorded epochs in which each sample was seen.
    forgetting_events_ : ndarray of shape (n_samples,)
        Correct -> incorrect transitions between consecutive recorded epochs.
    learned_ : ndarray of shape (n_samples,)
        Whether the sample was classified correctly in any recorded epoch.
    dynamics_history_ : dict of list of ndarray
        ``loss``, ``el2n``, ``grand``, ``correct`` rows per recorded epoch
        (empty lists unless ``keep_history``).

    Examples
    --------
    :class:`TrainingDynamics` attaches it for one training; by hand:

    >>> import numpy as np, torch
    >>> from skorch import NeuralNetClassifier
    >>> from sk_easycore.data import LabeledDataset
    >>> from sk_easycore.scoring import DynamicsRecorder
    >>> X = np.random.RandomState(0).rand(40, 3).astype(np.float32)
    >>> y = (X[:, 0] > 0.5).astype(np.int64)
    >>> net = NeuralNetClassifier(torch.nn.Linear(3, 2), criterion=torch.nn.CrossEntropyLoss,
    ...                           max_epochs=3, train_split=None, verbose=0).initialize()
    >>> recorder = DynamicsRecorder(len(X))
    >>> with recorder.recording(net):
    ...     _ = net.partial_fit(LabeledDataset(X, y, with_index=True), y)
    >>> recorder.dynamics_count_.tolist() == [3] * len(X), recorder.forgetting_events_.shape
    (True, (40,))
    """

    def attach(self, net):
        """Route the batches to the recorder and attach the output-layer probe; undo both on remove."""
        handle = super().attach(net)
        self._probe = OutputLayerProbe(net.module_).attach()
        return _Handles(handle, self._probe)

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        super().on_train_begin(net, X=X, y=y, **kwargs)
        n = self.n_samples
        self.loss_sum_ = np.zeros(n, dtype=np.float64)
        self.dynamics_count_ = np.zeros(n, dtype=np.int64)
        self.forgetting_events_ = np.zeros(n, dtype=np.int64)
        self.learned_ = np.zeros(n, dtype=bool)
        self._was_correct = np.zeros(n, dtype=bool)
        self.dynamics_history_ = {name: [] for name in DYNAMICS}
        self._buffers = None

    def on_epoch_begin(self, net, **kwargs):
        super().on_epoch_begin(net, **kwargs)
        if self._epoch % self.every == 0:
            self._buffers = {
                name: torch.full((self.n_samples,), float("nan"), device=net.device)
                for name in DYNAMICS
            }

    def on_batch_end(self, net, batch=None, training=False, y_pred=None, **kwargs):
        if training and self.mode == "train" and self._buffers is not None:
            self._store(self.batch_index_, to_logits(net, y_pred), batch[1])

    def _on_eval_batch(self, net, start, y_pred, y):
        if self._buffers is not None:
            index = torch.arange(start, start + len(y))
            self._store(index, to_logits(net, y_pred), y)

    def on_epoch_end(self, net, **kwargs):
        super().on_epoch_end(net, **kwargs)  # runs the eval pass in eval mode
        if self._buffers is not None:
            self._commit_dynamics()

    def _store(self, index, logits, y):
        device = logits.device
        stats = batch_dynamics(
            logits, torch.as_tensor(y, device=device), self._probe.features, self._probe.bias
        )
        index = torch.as_tensor(index, device=device)
        for name, values in zip(DYNAMICS, stats):
            if values is not None:
                self._buffers[name][index] = values.to(torch.float32)

    def _commit_dynamics(self):
        rows = {name: buffer.cpu().numpy() for name, buffer in self._buffers.items()}
        self._buffers = None
        seen = ~np.isnan(rows["loss"])
        self.loss_sum_[seen] += rows["loss"][seen]
        self.dynamics_count_ += seen
        correct = rows["correct"] == 1.0  # NaN (unseen) compares False
        self.forgetting_events_ += seen & self._was_correct & ~correct
        self._was_correct[seen] = correct[seen]
        self.learned_ |= correct
        if self.keep_history:
            for name in DYNAMICS:
                self.dynamics_history_[name].append(rows[name])
