"""
A study on your own data and network
====================================

``run_study`` takes any data and any skorch network: here the breast cancer
table of scikit-learn (standardized, so that an attack budget is in standard
deviations) and an MLP of our own, given as a factory ``(n_classes,
X_example) -> net``. The study compares EasyCore with random coresets (and the
full data) over three seeds, attacks every model with FGSM and PGD on the
held-out rows, and the figure is the study's own summary: mean accuracy over
the seeds with their spread, per metric and coreset fraction. The study folder
also holds the cells, the paired differences with confidence intervals and
the log.

Run ``python examples/plot_study_own_data.py [figure.png]``; set
``SK_EASYCORE_EXAMPLE_SMALL=1`` for a quick, smaller run.
"""

import os
import sys
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import torch
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from skorch import NeuralNetClassifier

from sk_easycore.experiments import run_study
from sk_easycore.plotting import plot_study_summary

# Small models gain nothing from threads; on a busy machine they spin.
torch.set_num_threads(1)
SMALL = os.environ.get("SK_EASYCORE_EXAMPLE_SMALL") == "1"
SEEDS, EPOCHS = (2, 3) if SMALL else (3, 20)


def figure_path(name):
    """The PNG to write: argv[1], else in $SK_EASYCORE_EXAMPLE_OUT or tmp."""
    if len(sys.argv) > 1:
        return Path(sys.argv[1])
    default = Path(tempfile.gettempdir()) / "sk_easycore_examples"
    folder = Path(os.environ.get("SK_EASYCORE_EXAMPLE_OUT", default))
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def make_net(n_classes, X_example):
    """The user's network: called for every proxy and every target model."""
    module = torch.nn.Sequential(
        torch.nn.Linear(X_example.shape[1], 32), torch.nn.ReLU(),
        torch.nn.Linear(32, n_classes))
    return NeuralNetClassifier(
        module, criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam, lr=1e-2, max_epochs=EPOCHS,
        batch_size=32, iterator_train__shuffle=True, verbose=0)


X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0)
mean, std = X_train.mean(axis=0), X_train.std(axis=0)
X_train, X_test = (X_train - mean) / std, (X_test - mean) / std

with tempfile.TemporaryDirectory() as out:
    result = run_study(
        out, (X_train, y_train, X_test, y_test), net=make_net, verbose=0,
        methods=["easycore", "random", "el2n"], fractions=[0.1, 0.3],
        seeds=SEEDS, attacks=["fgsm", "pgd"], eps=[0.1, 0.3])
# the table of means, after what was run
print(result.markdown().split("\n\n## ")[2])

axes = plot_study_summary(result, max_cols=5)
fig = axes[0, 0].figure
fig.suptitle(f"Breast cancer, an MLP of our own: {SEEDS} seeds, eps in "
             "standard deviations of the columns")
path = figure_path("plot_study_own_data.png")
fig.savefig(path, dpi=100)
plt.close(fig)
print(f"wrote {path}")
