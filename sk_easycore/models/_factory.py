"""The one builder of skorch nets: a model of this package, trained the library's way."""

import functools

__all__ = ["MODELS", "lr_scheduler", "make_default_net"]

# torch is imported inside the functions: the command line reads MODELS to parse its
# arguments without importing torch.


def _small_cnn(input_shape, n_classes):
    from ._cnn import SmallCNN

    return SmallCNN, {"in_channels": input_shape[1], "n_classes": n_classes}


def _small_cnn1d(input_shape, n_classes):
    from ._cnn1d import SmallCNN1d

    return SmallCNN1d, {"in_channels": input_shape[1], "n_classes": n_classes}


def _small_mlp(input_shape, n_classes):
    from ._mlp import ResidualMLP

    return ResidualMLP, {"in_features": input_shape[1], "n_classes": n_classes,
                         "n_blocks": 2, "width": 64}


def _residual_mlp(input_shape, n_classes):
    from ._mlp import ResidualMLP

    return ResidualMLP, {"in_features": input_shape[1], "n_classes": n_classes}


def _resnet18(input_shape, n_classes):
    from ._resnet import cifar_resnet18

    return cifar_resnet18, {"num_classes": n_classes}


# name -> (input rank it takes, (input_shape, n_classes) -> (module, module parameters))
MODELS = {
    "small_cnn": (4, _small_cnn),
    "small_cnn1d": (3, _small_cnn1d),
    "small_mlp": (2, _small_mlp),
    "residual_mlp": (2, _residual_mlp),
    "resnet18": (4, _resnet18),
}
OPTIMIZERS = ("adam", "sgd")


SCHEDULERS = ("cosine", "onecycle", "none")


def lr_scheduler(name, epochs, *, lr=None):
    """``optimizer -> scheduler`` for a schedule named ``name`` over ``epochs`` epochs, or None.

    Every schedule is stepped once per epoch.

    Parameters
    ----------
    name : {"cosine", "onecycle", "none"} or None
        Cosine annealing to 0 over the epochs; one cycle (torch's ``OneCycleLR``
        over the epochs: from ``lr / 25`` up to ``lr`` in the first 30%, then
        cosine down to ``lr / 1e5``; momentum left as the optimizer has it); or
        a constant learning rate.
    epochs : int
        The training's epochs.
    lr : float or None, default=None
        The peak learning rate of ``"onecycle"`` (required there, unused otherwise).

    Returns
    -------
    factory : functools.partial or None

    Examples
    --------
    >>> lr_scheduler("cosine", 300).keywords
    {'T_max': 300}
    >>> lr_scheduler("onecycle", 40, lr=0.1).keywords["total_steps"]
    40
    >>> lr_scheduler("none", 300) is None
    True
    """
    if name in (None, "none"):
        return None
    import torch

    if name == "cosine":
        return functools.partial(torch.optim.lr_scheduler.CosineAnnealingLR, T_max=int(epochs))
    if name == "onecycle":
        if lr is None:
            raise ValueError("scheduler='onecycle' needs lr, its peak learning rate.")
        return functools.partial(torch.optim.lr_scheduler.OneCycleLR, max_lr=float(lr),
                                 total_steps=int(epochs), cycle_momentum=False)
    raise ValueError(f"scheduler must be one of {SCHEDULERS}; got {name!r}.")


def make_default_net(input_shape, n_classes, *, model=None, optimizer="adam", lr=1e-3,
                     momentum=0.9, weight_decay=None, batch_size=64, max_epochs=20,
                     scheduler="none", augment="none", precision="fp32", channels_last=False,
                     compile=False, device=None, verbose=0):
    """Build the skorch classifier the library trains when you give it none.

    Every net of the library comes from here: the default of
    :class:`~sk_easycore.scoring.AIGNScorer` and
    :class:`~sk_easycore.robustness.AdversarialTrainingClassifier`, and the
    study's recipe nets. Cross-entropy on the model's logits, shuffled batches,
    no validation split (every row is trained on), CUDA when available.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of the training array, samples first.
    n_classes : int
        Number of classes (outputs).
    model : {"small_cnn", "small_cnn1d", "small_mlp", "residual_mlp", "resnet18"} or None, \
default=None
        A key of ``MODELS``. None: ``"small_cnn"`` for images ``(n, C, H, W)``
        (:class:`SmallCNN`), ``"small_cnn1d"`` for signals ``(n, C, L)``
        (:class:`SmallCNN1d`), ``"small_mlp"`` for tables ``(n, d)`` (a
        :class:`ResidualMLP` of 2 blocks of 64). ``"residual_mlp"`` is the
        paper's 20 x 256 2D model, ``"resnet18"`` the CIFAR ResNet-18.
    optimizer : {"adam", "sgd"}, default="adam"
        The optimizer.
    lr : float, default=1e-3
        Its learning rate.
    momentum : float, default=0.9
        SGD's momentum (unused by Adam).
    weight_decay : float or None, default=None
        The optimizer's weight decay; None keeps torch's default (0).
    batch_size : int, default=64
        Rows per batch.
    max_epochs : int, default=20
        Training epochs.
    scheduler : {"cosine", "onecycle", "none"}, default="none"
        Learning-rate schedule over ``max_epochs`` (a skorch ``LRScheduler``
        stepped every epoch; see :func:`lr_scheduler`).
    augment : {"none", "crop_flip"}, default="none"
        Training augmentation, applied to every training batch on the net's
        device; never to predictions or evaluation passes. With any value the
        net's ``iterator_train`` is :class:`~sk_easycore.data.DeviceLoader`
        (array inputs gathered by batch and kept on the device).
    precision : {"fp32", "bf16"}, default="fp32"
        ``"bf16"`` runs the model under bfloat16 autocast (:class:`Accelerated`;
        logits stay float32), the GPU fast path.
    channels_last : bool, default=False
        Keep weights and image batches in the channels_last layout (ResNet on GPU).
    compile : bool, default=False
        Compile the module with ``torch.compile`` when the net is initialized
        (skorch's ``compile``; a GPU option: compiling takes a minute or so,
        repaid over long trainings).
    device : str or None, default=None
        None: CUDA when available, else the CPU.
    verbose : int, default=0
        skorch's verbosity (its per-epoch table).

    Returns
    -------
    net : skorch.NeuralNetClassifier
        An uninitialized net.

    Examples
    --------
    >>> net = make_default_net((100, 1, 8, 8), n_classes=10)
    >>> net.module.__name__, net.max_epochs, net.train_split
    ('SmallCNN', 20, None)
    >>> make_default_net((100, 2), 3).module__n_blocks  # a small residual MLP for tables
    2
    >>> make_default_net((100, 1, 40), 3).module.__name__  # a 1-D CNN for signals
    'SmallCNN1d'
    """
    import torch
    from skorch import NeuralNetClassifier
    from skorch.callbacks import LRScheduler

    from ..utils import default_device

    input_shape = tuple(int(s) for s in input_shape)
    if model is None:
        model = {4: "small_cnn", 3: "small_cnn1d", 2: "small_mlp"}.get(len(input_shape))
        if model is None:
            raise ValueError(
                f"No default network for X of shape {input_shape}: the default handles tables "
                "(n_samples, n_features), signals (n_samples, channels, length) and images "
                "(n_samples, channels, height, width). "
                "Pass your own skorch NeuralNetClassifier as `net`.")
    if model not in MODELS:
        raise ValueError(f"model must be one of {sorted(MODELS)}; got {model!r}.")
    rank, factory = MODELS[model]
    if len(input_shape) != rank:
        kind = {4: "images (n, C, H, W)", 3: "signals (n, C, L)"}.get(rank, "tables (n, d)")
        raise ValueError(f"model {model!r} takes {kind}; X has shape {input_shape}.")
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer must be one of {OPTIMIZERS}; got {optimizer!r}.")
    module, module_params = factory(input_shape, n_classes)
    if precision != "fp32" or channels_last:
        from ._accelerated import PRECISIONS, Accelerated

        if precision not in PRECISIONS:
            raise ValueError(f"precision must be one of {PRECISIONS}; got {precision!r}.")
        module_params = {"module": module, "precision": precision,
                         "channels_last": channels_last, **module_params}
        module = Accelerated
    params = {f"module__{k}": v for k, v in module_params.items()}
    if weight_decay is not None:
        params["optimizer__weight_decay"] = weight_decay
    if optimizer == "sgd":
        params["optimizer__momentum"] = momentum
    device = default_device() if device is None else device
    from ..data import AUGMENTATIONS, DeviceLoader

    augment = "none" if augment is None else augment
    if augment not in AUGMENTATIONS:
        raise ValueError(f"augment must be one of {AUGMENTATIONS}; got {augment!r}.")
    # whole-array batches, inputs copied to the device once per fit (the same batches and
    # random draws as a DataLoader)
    params.update(iterator_train=DeviceLoader, iterator_train__augment=augment,
                  iterator_train__device=device)
    callbacks = []
    schedule = lr_scheduler(scheduler, max_epochs, lr=lr)
    if schedule is not None:
        callbacks.append(("lr_schedule", LRScheduler(schedule.func, **schedule.keywords)))
    return NeuralNetClassifier(
        module,
        **params,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer={"adam": torch.optim.Adam, "sgd": torch.optim.SGD}[optimizer],
        lr=lr,
        max_epochs=max_epochs,
        batch_size=batch_size,
        train_split=None,
        iterator_train__shuffle=True,
        callbacks=callbacks,
        device=device,
        compile=bool(compile),
        verbose=verbose,
    )
