"""
TRADES adversarial training on a coreset
========================================

``AdversarialTrainingClassifier`` trains a skorch network with ART's TRADES
(or PGD adversarial training) and can be the last step of a pipeline after a
selector: the coreset is chosen once, then every batch of the coreset is
attacked during training. The figure compares PGD accuracy of a CNN trained
normally and with TRADES on EasyCore's 30% coreset, and with TRADES on a random
coreset of the same per-class size.

Run ``python examples/plot_trades_coreset.py [figure.png]``; set
``SK_EASYCORE_EXAMPLE_SMALL=1`` for a quick, smaller run.
"""

import os
import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from imblearn.pipeline import Pipeline  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from skorch import NeuralNetClassifier  # noqa: E402

from sk_easycore import AIGNScorer, EasyCoreSelector, RandomSelector  # noqa: E402
from sk_easycore.datasets import load_digits_images  # noqa: E402
from sk_easycore.models import SmallCNN  # noqa: E402
from sk_easycore.plotting import plot_accuracy_vs_eps  # noqa: E402
from sk_easycore.robustness import AdversarialTrainingClassifier, robustness_report  # noqa: E402

# Small models gain nothing from threads, and on a busy machine OpenMP threads spin.
torch.set_num_threads(1)
SMALL = os.environ.get("SK_EASYCORE_EXAMPLE_SMALL") == "1"
N_ROWS, EPOCHS, STEPS = (300, 2, 2) if SMALL else (1797, 15, 5)
TRAIN_EPS, EVAL_EPS = 0.1, (0.05, 0.1, 0.2)  # L-inf, pixel units


def figure_path(name):
    """The PNG to write: the first argument, else $SK_EASYCORE_EXAMPLE_OUT/name, else a temp dir."""
    if len(sys.argv) > 1:
        return Path(sys.argv[1])
    folder = Path(os.environ.get("SK_EASYCORE_EXAMPLE_OUT",
                                 Path(tempfile.gettempdir()) / "sk_easycore_examples"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def small_cnn():
    return NeuralNetClassifier(
        SmallCNN, criterion=torch.nn.CrossEntropyLoss, optimizer=torch.optim.Adam, lr=1e-3,
        max_epochs=EPOCHS, batch_size=64, train_split=None, iterator_train__shuffle=True,
        verbose=0)


def trades():
    return AdversarialTrainingClassifier(small_cnn(), method="trades", eps=TRAIN_EPS,
                                         eps_step=TRAIN_EPS / 4, max_iter=STEPS, beta=6.0,
                                         random_state=0)


X, y = load_digits_images()
X_train, X_test, y_train, y_test = train_test_split(
    X[:N_ROWS], y[:N_ROWS], test_size=0.25, stratify=y[:N_ROWS], random_state=0)
easycore = EasyCoreSelector(AIGNScorer(small_cnn()), fraction=0.3, random_state=0)
random = RandomSelector(fraction=0.3, random_state=0)

models = {
    "EasyCore, standard training": Pipeline([("select", easycore), ("net", small_cnn())]),
    "EasyCore, TRADES": Pipeline([("select", easycore), ("trades", trades())]),
    "random, TRADES": Pipeline([("select", random), ("trades", trades())]),
}
reports = []
for name, pipe in models.items():
    torch.manual_seed(0)
    pipe.fit(X_train, y_train)  # the AIGN scorer is trained once: fitted scorers are cached
    reports.append(robustness_report(pipe, X_test, y_test, attacks="pgd", eps=EVAL_EPS,
                                     max_iter=20, name=name))
    print(reports[-1])

fig, ax = plt.subplots(figsize=(7, 4.8), layout="constrained")
plot_accuracy_vs_eps(reports, "pgd", ax=ax)
ax.axvline(TRAIN_EPS, color="0.6", linestyle=":", label=f"TRADES training eps {TRAIN_EPS:g}")
ax.legend()
ax.set_ylabel("test accuracy under PGD-20")
ax.set_title(f"SmallCNN on 30% coresets of digits: standard vs TRADES training\n"
             f"({len(y_test)} test digits, one seed, L-inf eps in pixel units)")
path = figure_path("plot_trades_coreset.png")
fig.savefig(path, dpi=100)
plt.close(fig)
print(f"wrote {path}")
