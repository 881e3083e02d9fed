"""ART's TRADES trainer on batches that stay on the device.

ART's ``AdversarialTrainerTRADESPyTorch.fit_generator`` drives the training:
it takes each batch from the generator, calls ``x_batch.copy()`` and hands it
to ``_batch_process``, which expects numpy arrays: it converts them to tensors
on the device, and the attack converts them back and forth again. On a GPU
that is five host-device copies and two waits for the device per batch.
:func:`device_trades_trainer` builds the same trainer with a
``_batch_process`` that takes the batch as tensors on the device (from
:func:`~sk_easycore.robustness._generator.batch_generator` with
``on_device=True``) and computes ART's loss with the same operations in the
same order, so that the trained weights are those of ART's own
``_batch_process`` to the bit. It also reads no number back from the device:
the loss and accuracy ART sums for its log stay tensors. A numpy batch goes to
ART's own ``_batch_process``.
"""

import functools

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["device_trades_trainer"]


@functools.cache
def _trainer_class():
    from art.defences.trainer import AdversarialTrainerTRADESPyTorch
    from art.defences.trainer.adversarial_trainer_trades_pytorch import EPS

    class DeviceTradesTrainer(AdversarialTrainerTRADESPyTorch):
        """ART's TRADES trainer whose ``_batch_process`` also takes tensors on the device."""

        def _batch_process(self, x_batch, y_batch):
            classifier = self._classifier
            if not isinstance(x_batch, torch.Tensor):
                return super()._batch_process(x_batch, y_batch)
            if classifier._optimizer is None:
                raise ValueError("The classifier has no optimizer, which adversarial training "
                                 "needs.")
            n = x_batch.shape[0]
            model = classifier._model
            model.train(mode=False)
            if hasattr(self._attack, "generate_tensor"):
                x_pert = self._attack.generate_tensor(x_batch)
            else:  # an ART attack takes numpy arrays
                x_pert = torch.from_numpy(self._attack.generate(
                    x_batch.cpu().numpy(), y=y_batch.cpu().numpy())).to(x_batch.device)
            # ART's labels: one-hot, then indices again for a loss that takes indices
            labels = y_batch if classifier._reduce_labels else \
                F.one_hot(y_batch, classifier.nb_classes).float()
            x_pre, _ = classifier._apply_preprocessing(x_batch, None, fit=True)
            x_pre_pert, _ = classifier._apply_preprocessing(x_pert, None, fit=True)
            model.train(mode=True)
            classifier._optimizer.zero_grad()
            outputs = model(x_pre)
            outputs_pert = model(x_pre_pert)
            loss_clean = classifier._loss(outputs[-1], labels)
            loss_kl = (1.0 / n) * torch.nn.KLDivLoss(reduction="sum")(
                F.log_softmax(outputs_pert[-1], dim=1),
                torch.clamp(F.softmax(outputs[-1], dim=1), min=EPS))
            loss = loss_clean + self._beta * loss_kl
            loss.backward()
            classifier._optimizer.step()
            model.train(mode=False)
            # tensors, not floats: ART only sums them for a log line, so the device never waits
            with torch.no_grad():
                accuracy = (outputs_pert[0].max(1)[1] == y_batch).sum()
            return loss.detach() * n, accuracy, n

    DeviceTradesTrainer.__module__ = __name__
    DeviceTradesTrainer.__qualname__ = "DeviceTradesTrainer"
    return DeviceTradesTrainer


def device_trades_trainer(classifier, attack, *, beta):
    """ART's TRADES trainer (``AdversarialTrainerTRADESPyTorch``) taking batches on the device.

    Parameters
    ----------
    classifier : art.estimators.classification.PyTorchClassifier
        The classifier to train; it must have an optimizer.
    attack : art.attacks.EvasionAttack
        The inner maximization; one with ``generate_tensor`` (``TradesKLAttack``)
        keeps the batch on the device, any other gets numpy arrays.
    beta : float
        The weight of the KL term.

    Returns
    -------
    trainer : art.defences.trainer.AdversarialTrainerTRADESPyTorch
        Its ``fit_generator`` takes numpy batches as ART's own does, and tensor
        batches from ``batch_generator(..., on_device=True)``.

    Examples
    --------
    >>> from art.estimators.classification import PyTorchClassifier
    >>> from sk_easycore.robustness._generator import batch_generator
    >>> from sk_easycore.robustness._trades import trades_kl_attack
    >>> model = torch.nn.Linear(4, 3)
    >>> classifier = PyTorchClassifier(
    ...     model, loss=torch.nn.CrossEntropyLoss(), input_shape=(4,), nb_classes=3,
    ...     optimizer=torch.optim.SGD(model.parameters(), lr=0.1), clip_values=(0.0, 1.0))
    >>> attack = trades_kl_attack(classifier, eps=0.1, eps_step=0.05, max_iter=2)
    >>> trainer = device_trades_trainer(classifier, attack, beta=6.0)
    >>> X = np.random.RandomState(0).rand(8, 4).astype(np.float32)
    >>> trainer.fit_generator(batch_generator(X, np.arange(8) % 3, 4, on_device=True),
    ...                       nb_epochs=1)
    """
    return _trainer_class()(classifier, attack, beta=beta)
