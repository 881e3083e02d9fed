"""Check a study's own network before anything trains: what it is, and its output size."""

import numpy as np

from ..utils import torch_seed

__all__ = ["check_net"]

_WANTED = ("a skorch NeuralNetClassifier, e.g. NeuralNetClassifier(module, "
           "criterion=torch.nn.CrossEntropyLoss, ...)")


def _name(net):
    if isinstance(net, type) or not hasattr(net, "initialize"):
        module = getattr(net, "__module__", "?")
        return f"the net factory {module}:{getattr(net, '__qualname__', repr(net))}"
    return f"net={type(net).__name__}"


def _what(obj):
    kind = type(obj)
    if kind.__module__ == "builtins":
        return f"a {kind.__name__} ({obj!r:.60})"
    return f"a {kind.__qualname__} ({kind.__module__.split('.')[0]})"


def check_net(net, data):
    """Build the study's network once and run it on two training rows; raise if it cannot serve.

    A factory is called as ``net(n_classes, X_example)``; it must return a
    skorch ``NeuralNetClassifier`` (a net given as is must be one), and the
    network must give one output per class for a batch of inputs. Torch's
    random generators are restored afterwards: checking draws nothing a study
    would see.

    Parameters
    ----------
    net : skorch.NeuralNetClassifier or callable
        The ``net=`` of :func:`run_study` (None is not checked).
    data : StudyData

    Raises
    ------
    TypeError
        When the factory returns, or ``net`` is, something else than a skorch net.
    ValueError
        When the factory fails, or the network's outputs do not match the classes;
        the message names the factory and what is allowed.

    Examples
    --------
    >>> from sk_easycore.experiments._data import resolve_data
    >>> data = resolve_data("synthetic2d").load()
    >>> check_net(lambda n_classes, X: "not a net", data)
    Traceback (most recent call last):
    ...
    TypeError: the net factory ... returned a str ('not a net'); it must return a skorch ...
    """
    import torch
    from sklearn.base import clone
    from skorch import NeuralNet

    name, n_classes = _name(net), data.n_classes
    example = data.example()
    with torch_seed(0):
        if isinstance(net, NeuralNet):
            built = clone(net)
        elif callable(net):
            try:
                built = net(n_classes, example)
            except Exception as exc:  # the user's code: any error, named with its call
                raise ValueError(
                    f"{name} failed when called as net(n_classes={n_classes}, X_example of "
                    f"shape {tuple(np.shape(example))}): {type(exc).__name__}: {exc}") from None
            if not isinstance(built, NeuralNet):
                hint = (f", with your {type(built).__name__} as its module"
                        if isinstance(built, torch.nn.Module) else "")
                raise TypeError(f"{name} returned {_what(built)}; it must return {_WANTED}{hint}.")
        else:
            raise TypeError(f"net must be None, {_WANTED}, or a factory (n_classes, X_example) "
                            f"-> such a net; got {_what(net)}.")
        _check_outputs(built.set_params(train_split=None), name, example[:2], n_classes)


def _check_outputs(built, name, rows, n_classes):
    import torch

    try:
        built.initialize()
        with torch.no_grad():
            outputs = built.forward(np.asarray(rows, dtype=np.float32), training=False)
    except Exception as exc:  # the user's module: any error, named
        raise ValueError(f"{name}: the network fails on two training rows of shape "
                         f"{tuple(np.shape(rows))}: {type(exc).__name__}: {exc}") from None
    if isinstance(outputs, (tuple, list)):
        outputs = outputs[0]  # skorch reads the first output
    shape = tuple(outputs.shape)
    if len(shape) != 2 or shape[1] != n_classes:
        raise ValueError(f"{name}: the network gives outputs of shape {shape[1:]} per row, but "
                         f"the data has {n_classes} classes: its last layer must have "
                         f"{n_classes} outputs (one per class, labels 0..{n_classes - 1}).")
