"""ART's own AutoAttack suite (APGD-CE, APGD-DLR, DeepFool, Square), kept as ``"autoattack_art"``.

Not the standard AutoAttack RobustBench reports (that one is
``attack="autoattack"``, run by the authors' ``pyautoattack``): ART alone, for
those who want it.
"""

__all__ = ["build_art_default_autoattack", "check_art_autoattack_input"]


def check_art_autoattack_input(shape, n_classes):
    """Refuse inputs ART's AutoAttack suite cannot attack, before any work.

    ART 1.20's ``SquareAttack`` takes images only (it raises on any ``x`` that
    is not ``(n, C, H, W)``), and its APGD-DLR loss reads the third largest
    logit (``IndexError`` with 2 classes). The authors' AutoAttack
    (``attack="autoattack"``) runs on both: it skips Square on inputs that are
    not images and APGD-T below 4 classes, and says so.

    Parameters
    ----------
    shape : tuple of int
        One sample's shape, ``X.shape[1:]``.
    n_classes : int
        The network's outputs.

    Raises
    ------
    ValueError
        If ``shape`` is not ``(C, H, W)`` or ``n_classes < 3``.

    Examples
    --------
    >>> check_art_autoattack_input((3, 32, 32), 10)
    >>> check_art_autoattack_input((1, 40), 10)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: attack='autoattack_art' ... needs images ... (n_samples, 1, 40)...
    """
    if len(shape) != 3:
        raise ValueError(
            "attack='autoattack_art' (ART's AutoAttack suite) needs images of shape (n_samples, "
            "C, H, W): its Square attack refuses other inputs; got X of shape (n_samples, "
            f"{', '.join(map(str, shape))}). Use attack='autoattack' (the authors' AutoAttack, "
            "which skips Square on inputs that are not images) or attack='pgd'."
        )
    if n_classes < 3:
        raise ValueError(
            "attack='autoattack_art' (ART's AutoAttack suite) needs at least 3 classes: its "
            f"APGD-DLR loss reads the third largest logit; the network has {n_classes} "
            "outputs. Use attack='autoattack' (the authors' AutoAttack) or attack='pgd'."
        )


def build_art_default_autoattack(classifier, *, eps, norm="inf", eps_step=None, batch_size=128,
                                 verbose=False, **attack_params):
    """ART's ``AutoAttack`` with its default parts (APGD-CE, APGD-DLR, DeepFool, Square).

    Configured as ``adversarial_accuracy(..., attack="autoattack")`` has
    configured it so far: APGD-CE and APGD-DLR with 100 iterations and 5
    restarts, DeepFool, and Square with 5000 queries and 5 restarts; the
    parts' progress bars follow ``verbose``. This is not the standard
    AutoAttack (``attack="autoattack"``).

    Parameters
    ----------
    classifier : art.estimators.classification.PyTorchClassifier
        The model to attack.
    eps : float
        Perturbation budget.
    norm : {"inf", 2}, default="inf"
        Threat model.
    eps_step : float or None, default=None
        APGD's initial step. None: ``2.5 * eps / 10``, the step
        ``adversarial_accuracy`` passes with its default ``max_iter=10``.
    batch_size : int, default=128
        Batch size of the APGD parts (ART's Square and DeepFool keep theirs).
    verbose : bool, default=False
        Progress bars of the parts.
    **attack_params
        Passed to ART's ``AutoAttack``.

    Returns
    -------
    attack : art.attacks.evasion.AutoAttack

    Examples
    --------
    >>> import torch
    >>> from art.estimators.classification import PyTorchClassifier
    >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 3))
    >>> clf = PyTorchClassifier(model, loss=torch.nn.CrossEntropyLoss(), input_shape=(1, 4, 4),
    ...                         nb_classes=3, clip_values=(0.0, 1.0))
    >>> attack = build_art_default_autoattack(clf, eps=0.1)
    >>> [type(part).__name__ for part in attack.attacks]  # doctest: +NORMALIZE_WHITESPACE
    ['AutoProjectedGradientDescent', 'AutoProjectedGradientDescent', 'DeepFool',
     'SquareAttack']
    """
    from art.attacks.evasion import AutoAttack

    from ._ops import check_norm, default_eps_step

    norm = check_norm(norm)
    if eps_step is None:
        eps_step = default_eps_step(eps, 10)
    attack = AutoAttack(classifier, norm=norm, eps=eps, eps_step=eps_step,
                        batch_size=batch_size, **attack_params)
    for part in attack.attacks:  # its default parts show bars unless told otherwise
        if "verbose" in part.attack_params:
            part.set_params(verbose=bool(verbose))
    return attack
