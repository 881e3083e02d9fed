"""ART's adversarial trainer for a method: its inner attack, with the weights frozen while it runs.

``"trades"``: ART's ``AdversarialTrainerTRADESPyTorch`` on batches kept on the
device (:func:`~sk_easycore.robustness._trades_trainer.device_trades_trainer`);
``"pgd"``: ART's ``AdversarialTrainer`` with ``ratio=1.0`` (Madry's PGD
training), on numpy batches. The inner attack is TRADES' KL maximization
(``inner="kl"``) or ART's PGD on the cross-entropy (``inner="ce"``).
"""

from ._ops import input_gradients_only
from ._trades_trainer import device_trades_trainer

__all__ = ["build_trainer"]


def build_trainer(classifier, spec, *, method, inner, beta, verbose=False):
    """ART's trainer for ``method`` on ``classifier``, its attack built from ``spec``.

    Parameters
    ----------
    classifier : art.estimators.classification.PyTorchClassifier
        The classifier to train (with an optimizer).
    spec : AttackSpec
        The PGD settings of the inner attack (eps, step, norm, iterations, batch size).
    method : {"trades", "pgd"}
    inner : {"kl", "ce"}
        TRADES' KL maximization or ART's PGD on the cross-entropy.
    beta : float
        TRADES' weight of the KL term (unused by ``"pgd"``).
    verbose : bool, default=False
        ART's progress bars of the attack.

    Returns
    -------
    trainer : art.defences.trainer.Trainer
        Its ``fit_generator`` takes tensor batches on the device (``"trades"``) or
        numpy batches (``"pgd"``: ART's classifier ``fit`` takes numpy only).
    """
    from art.defences.trainer import AdversarialTrainer

    if inner == "kl":
        from ._trades import trades_kl_attack

        attack = trades_kl_attack(
            classifier, eps=spec.eps, eps_step=spec.eps_step, max_iter=spec.max_iter,
            norm=spec.norm, batch_size=spec.batch_size,
        )
    else:
        attack = spec.build(classifier, verbose=verbose)
    attack.generate = _without_weight_gradients(attack.generate, classifier.model)
    if method == "trades":
        # ART's TRADES trainer, its batches kept on the device (same weights to the bit)
        return device_trades_trainer(classifier, attack, beta=beta)
    return AdversarialTrainer(classifier, attack, ratio=1.0)


def _without_weight_gradients(generate, module):
    """``generate`` with the weights frozen: crafting x_adv needs only the input's gradient.

    The trainer's own step runs outside ``generate``, with the weights trainable.
    """

    def wrapped(*args, **kwargs):
        with input_gradients_only(module):
            return generate(*args, **kwargs)

    return wrapped
