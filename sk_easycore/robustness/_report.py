"""robustness_report: clean and adversarial accuracy per attack and epsilon, as table or plot."""

import logging
import time

import numpy as np
from tqdm.auto import tqdm

from ..data import dataset_labels, take
from ._art import final_model
from ._attacks import (AttackSpec, attack_outcome, check_autoattack_clip, chunk_seed, chunks,
                       data_shape, predicted_indices, prepare_chunk, prepare_classifier)
from ._autoattack import AutoAttackResult
from ._guards import seeded
from ._subset import check_subset_size, stratified_subset

__all__ = ["RobustnessReport", "robustness_report"]

logger = logging.getLogger(__name__)

_STYLES = {"pgd": ("-", "o"), "fgsm": ("--", "s"), "autoattack": (":", "^")}
_NORM_NAMES = {"inf": "L-inf", 2: "L2"}


class RobustnessReport:
    """Clean accuracy and accuracy under each attack at each epsilon, for one model.

    Made by :func:`robustness_report`. ``print(report)`` gives a table,
    :meth:`to_records` / :meth:`to_frame` the numbers, :meth:`plot` the curves
    (:func:`sk_easycore.plotting.plot_accuracy_vs_eps` draws several reports).

    Parameters
    ----------
    name : str
        The model's name.
    clean_accuracy : float
        Accuracy on the unperturbed inputs.
    accuracies : dict
        ``{attack: {eps: accuracy}}``; eps are sorted on the way in.
    norm : {"inf", 2}
        The threat model's norm.
    n_samples : int
        Number of attacked samples.
    settings : dict or None, default=None
        How the numbers were made, kept as given.
    samples : dict or None, default=None
        ``{attack: indices}`` for attacks measured on a subset of the samples
        (``autoattack_samples``); the others saw all ``n_samples``.
    details : dict or None, default=None
        ``{attack: {eps: dict}}``: what AutoAttack's parts broke (see
        :meth:`AutoAttackResult.to_dict`).

    Attributes
    ----------
    name : str
        The model's name, used as the curves' label.
    clean_accuracy : float
        Accuracy on the unperturbed inputs (the eps = 0 point of every curve).
    accuracies : dict
        ``{attack: {eps: accuracy}}``, eps in increasing order.
    norm : {"inf", 2}
        The threat model's norm.
    n_samples : int
        Number of attacked samples.
    settings : dict
        How the numbers were made (max_iter, eps_step, clip_values, random_state, seconds).
    samples : dict
        ``{attack: list of int}``: the samples an attack measured on a subset saw.
    details : dict
        ``{attack: {eps: dict}}``: standard AutoAttack's breakdown per eps,
        ``{"n_samples", "samples", "broken_by": {"clean" or part: indices},
        "seconds", "skipped"}``, indices into the ``X`` given.

    Examples
    --------
    >>> report = RobustnessReport("toy", 0.9, {"pgd": {0.1: 0.5, 0.2: 0.1}}, norm="inf",
    ...                           n_samples=10)
    >>> print(report)
    toy: 10 samples, L-inf attacks
    clean accuracy 0.9000
    attack      eps=0.1 eps=0.2
    pgd          0.5000  0.1000
    >>> report.accuracy("pgd", 0.2)
    0.1
    >>> report.to_records()[1]
    {'model': 'toy', 'attack': 'pgd', 'norm': 'inf', 'eps': 0.1, 'accuracy': 0.5, 'n_samples': 10}
    """

    def __init__(self, name, clean_accuracy, accuracies, *, norm, n_samples, settings=None,
                 samples=None, details=None):
        self.name = name
        self.clean_accuracy = float(clean_accuracy)
        self.accuracies = {
            attack: {float(e): float(a) for e, a in sorted(per_eps.items())}
            for attack, per_eps in accuracies.items()
        }
        self.norm = norm
        self.n_samples = int(n_samples)
        self.settings = dict(settings or {})
        self.samples = {a: [int(i) for i in rows] for a, rows in (samples or {}).items()}
        self.details = {a: {float(e): d for e, d in per_eps.items()}
                        for a, per_eps in (details or {}).items()}

    def attack_samples(self, attack):
        """How many samples ``attack`` was measured on.

        Parameters
        ----------
        attack : str

        Returns
        -------
        n : int
        """
        return len(self.samples[attack]) if attack in self.samples else self.n_samples

    def accuracy(self, attack, eps):
        """Accuracy under ``attack`` at ``eps`` (``eps=0`` is the clean accuracy).

        Parameters
        ----------
        attack : str
            An attack of :attr:`accuracies`.
        eps : float
            A measured budget (compared with a relative tolerance of 1e-9).

        Returns
        -------
        accuracy : float
        """
        if eps == 0:
            return self.clean_accuracy
        per_eps = self.accuracies[attack]
        for e, acc in per_eps.items():
            if np.isclose(e, eps, rtol=1e-9, atol=0):
                return acc
        raise KeyError(f"no {attack} result at eps={eps}; measured: {list(per_eps)}")

    def _eps_columns(self):
        return sorted({e for per_eps in self.accuracies.values() for e in per_eps})

    def __str__(self):
        columns = self._eps_columns()
        head = [f"{self.name}: {self.n_samples} samples, {_NORM_NAMES[self.norm]} attacks",
                f"clean accuracy {self.clean_accuracy:.4f}"]
        head += [f"{attack} on {len(rows)} of the {self.n_samples} samples (a stratified subset)"
                 for attack, rows in self.samples.items()]
        labels = [f"eps={e:.4g}" for e in columns]
        widths = [max(len(label), 7) for label in labels]
        head.append("attack     " + "".join(f" {label:>{w}}" for label, w in zip(labels, widths)))
        for attack, per_eps in self.accuracies.items():
            cells = [f"{per_eps[e]:.4f}" if e in per_eps else "-" for e in columns]
            head.append(f"{attack:<11}" + "".join(f" {c:>{w}}" for c, w in zip(cells, widths)))
        return "\n".join(head)

    def __repr__(self):
        attacks = ", ".join(self.accuracies)
        return (f"<RobustnessReport {self.name!r}: clean {self.clean_accuracy:.4f}, "
                f"{attacks} at {len(self._eps_columns())} eps>")

    def to_records(self):
        """One dict per measurement: the clean row (attack "clean", eps 0), then attack by eps.

        Returns
        -------
        records : list of dict
            Keys ``model, attack, norm, eps, accuracy, n_samples``.
        """
        base = {"model": self.name}
        records = [{**base, "attack": "clean", "norm": self.norm, "eps": 0.0,
                    "accuracy": self.clean_accuracy, "n_samples": self.n_samples}]
        for attack, per_eps in self.accuracies.items():
            records += [{**base, "attack": attack, "norm": self.norm, "eps": e, "accuracy": a,
                         "n_samples": self.attack_samples(attack)} for e, a in per_eps.items()]
        return records

    def to_frame(self):
        """The records as a pandas DataFrame (pandas must be installed).

        Returns
        -------
        frame : pandas.DataFrame
            One row per record of :meth:`to_records`.
        """
        try:
            import pandas as pd
        except ImportError:
            raise ImportError(
                "RobustnessReport.to_frame needs pandas (pip install pandas); "
                "to_records() gives the same rows as a list of dicts."
            ) from None
        return pd.DataFrame.from_records(self.to_records())

    def plot(self, ax=None, label=None):
        """Draw accuracy against epsilon, one line per attack, starting at (0, clean accuracy).

        All the lines of one report share a colour, the attacks differ by line
        style, so several reports drawn on one axis compare models (for example
        coreset methods) at a glance. Never calls ``plt.show()``.

        Parameters
        ----------
        ax : matplotlib Axes or None, default=None
            Where to draw; None uses ``plt.gca()``.
        label : str or None, default=None
            The model's name in the legend; None uses :attr:`name`.

        Returns
        -------
        ax : matplotlib Axes
        """
        if ax is None:
            import matplotlib.pyplot as plt

            ax = plt.gca()
        label = self.name if label is None else label
        color = None
        for attack, per_eps in self.accuracies.items():
            linestyle, marker = _STYLES.get(attack, ("-.", "x"))
            eps = [0.0, *per_eps]
            acc = [self.clean_accuracy, *per_eps.values()]
            (line,) = ax.plot(eps, acc, linestyle=linestyle, marker=marker, color=color,
                              label=f"{label} ({attack})")
            color = line.get_color()
        ax.set_xlabel(f"eps ({_NORM_NAMES[self.norm]}, input units)")
        ax.set_ylabel("accuracy")
        ax.set_ylim(-0.02, 1.02)
        ax.legend()
        return ax


def robustness_report(
    estimator, X, y, attacks=("fgsm", "pgd"), eps=(2 / 255, 4 / 255, 8 / 255), *, norm="inf",
    eps_step=None, max_iter=10, batch_size=128, clip_values=(0.0, 1.0), random_state=0,
    name=None, autoattack_samples=None, verbose=0, **attack_params,
):
    """Measure clean accuracy and accuracy under each attack at each epsilon.

    The estimator is converted to ART once; every (attack, eps) run is seeded
    with the same ``random_state``, so two models measured with the same
    arguments face the same random starts.

    Parameters
    ----------
    estimator : estimator
        A fitted skorch ``NeuralNetClassifier``,
        :class:`AdversarialTrainingClassifier` or a pipeline ending in one.
    X, y : array-like, or a torch Dataset and None
        Inputs (inside ``clip_values``) and their true labels; a dataset of
        ``(x, label)`` items is attacked 4096 rows at a time (each chunk with
        its own seed, ``random_state + chunk``), never loaded whole.
    attacks : str or sequence of {"fgsm", "pgd", "autoattack", "autoattack_art"}, \
default=("fgsm", "pgd")
        The attacks, see :func:`adversarial_accuracy`. Standard AutoAttack's
        breakdown (which samples each of its parts broke) is kept in
        :attr:`RobustnessReport.details`.
    eps : float or sequence of float, default=(2/255, 4/255, 8/255)
        Budgets in the units of ``X``; 0 is allowed (the clean accuracy).
    name : str or None, default=None
        The model's name in the table and the plot; None uses the class name
        of the estimator's final step.
    autoattack_samples : int or None, default=None
        Run ``"autoattack"`` on this many samples only, as RobustBench does
        for quick checks: a stratified subset drawn with seed 0 whatever
        ``random_state`` is, so every model measured on the same ``y`` sees
        the same samples (:attr:`RobustnessReport.samples` lists them). The
        other attacks and the clean accuracy use every sample.
    verbose : int, default=0
        1 shows a bar over the runs; 2 also ART's own bars.
    norm, eps_step, max_iter, batch_size, clip_values, random_state, **attack_params
        As in :func:`adversarial_accuracy`; ``eps_step=None`` picks a step per eps.

    Returns
    -------
    report : RobustnessReport

    Examples
    --------
    >>> import torch
    >>> from skorch import NeuralNetClassifier
    >>> from sk_easycore.datasets import load_digits_images
    >>> from sk_easycore.models import SmallCNN
    >>> from sk_easycore.robustness import robustness_report
    >>> X, y = load_digits_images()
    >>> net = NeuralNetClassifier(SmallCNN, criterion=torch.nn.CrossEntropyLoss,
    ...                           max_epochs=3, train_split=None, verbose=0).fit(X[:600], y[:600])
    >>> report = robustness_report(net, X[:100], y[:100], eps=(0.05, 0.1), name="cnn")
    >>> [r["attack"] for r in report.to_records()]
    ['clean', 'fgsm', 'fgsm', 'pgd', 'pgd']
    >>> report.accuracy("pgd", 0.1) <= report.clean_accuracy
    True
    """
    attacks = (attacks,) if isinstance(attacks, str) else tuple(attacks)
    eps_values = (eps,) if np.ndim(eps) == 0 else tuple(eps)
    if not attacks or not eps_values:
        raise ValueError("attacks and eps must each name at least one value.")
    autoattack_samples = check_subset_size(autoattack_samples)
    specs = [
        AttackSpec.from_args(attack, e, norm=norm, eps_step=eps_step, max_iter=max_iter,
                             batch_size=batch_size,
                             **({} if _is_autoattack(attack) else attack_params))
        for attack in attacks for e in eps_values
    ]
    if name is None:
        name = type(final_model(estimator)).__name__
    start = time.perf_counter()
    with seeded(random_state):  # torch's generator too: DataLoaders draw from it
        classifier, model, clip_values = prepare_classifier(estimator, data_shape(X),
                                                            clip_values, specs)
        if any(spec.name == "autoattack" for spec in specs):
            check_autoattack_clip(clip_values)
        subset = [i for i, spec in enumerate(specs) if spec.name == "autoattack"]
        if autoattack_samples is None or autoattack_samples >= len(X):
            subset = []
        groups = [([i for i in range(len(specs)) if i not in subset], None)]
        samples = {}
        if subset:
            labels = dataset_labels(X) if y is None else np.asarray(y)
            samples["autoattack"] = stratified_subset(labels, autoattack_samples, random_state=0)
            groups.append((subset, samples["autoattack"]))
        correct, results = [0] * len(specs), {}
        for indices, rows in groups:  # every sample (and the clean accuracy), then the subset
            counts = _measure(
                classifier, model, X if rows is None else take(X, rows),
                y if rows is None else labels[rows], [specs[i] for i in indices], clip_values,
                random_state, batch_size, verbose=verbose,
                desc=f"robustness of {name}" if rows is None else
                f"AutoAttack on {len(rows)} of {name}")
            if rows is None:
                n_samples, n_clean = counts[:2]
            for j, i in enumerate(indices):
                correct[i], results[i] = counts[2][j], counts[3].get(j)
    accuracies, details = {spec.name: {} for spec in specs}, {}
    for i, spec in enumerate(specs):
        rows = samples.get(spec.name)
        accuracies[spec.name][spec.eps] = correct[i] / (n_samples if rows is None else len(rows))
        logger.info("%s: %s eps=%.4g accuracy %.4f", name, spec.name, spec.eps,
                    accuracies[spec.name][spec.eps])
        if results.get(i) is not None:
            details.setdefault(spec.name, {})[spec.eps] = results[i].to_dict(
                samples=np.arange(n_samples) if rows is None else rows)
    settings = {"max_iter": max_iter, "eps_step": eps_step, "clip_values": clip_values,
                "random_state": random_state, "seconds": time.perf_counter() - start}
    return RobustnessReport(name, n_clean / n_samples, accuracies, norm=specs[0].norm,
                            n_samples=n_samples, settings=settings, samples=samples,
                            details=details)


def _is_autoattack(attack):
    return isinstance(attack, str) and attack.lower() == "autoattack"


def _measure(classifier, model, X, y, specs, clip_values, random_state, batch_size, *, desc,
             verbose):
    """Run ``specs`` on ``(X, y)`` chunk by chunk: samples, clean hits, hits and breakdowns."""
    n_samples, n_clean = 0, 0
    correct, results = [0] * len(specs), {}
    # arrays are one chunk; a dataset is attacked chunk by chunk, every attack per chunk
    for i_chunk, (X_chunk, y_chunk) in enumerate(chunks(X, y)):
        X_chunk, y_indices = prepare_chunk(classifier, model, X_chunk, y_chunk, clip_values)
        n_samples += len(y_indices)
        n_clean += int(np.sum(predicted_indices(classifier, X_chunk, batch_size) == y_indices))
        for i, spec in enumerate(tqdm(specs, desc=desc, disable=not verbose)):
            hits, result = attack_outcome(classifier, spec, X_chunk, y_indices,
                                          clip_values=clip_values,
                                          random_state=chunk_seed(random_state, i_chunk),
                                          verbose=verbose > 1)
            correct[i] += int(np.sum(hits))
            if result is not None:
                results.setdefault(i, []).append(result)
    results = {i: AutoAttackResult.concatenate(parts) for i, parts in results.items()}
    return n_samples, n_clean, correct, results
