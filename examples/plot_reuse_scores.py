"""
Computing AIGN once and reusing it for another architecture
===========================================================

In the EasyCore paper, hardness is a property of the data: scores computed
with one network select a coreset for another. Here a small CNN scores the
digits once; the scores are saved, loaded, and passed as an array to
``EasyCoreSelector``, which then selects rows for a residual MLP on the
flattened pixels, an architecture that never saw the scores being made.
The figure compares that MLP trained on the easy coreset and on a random
coreset with the same per-class counts, at several fractions.

Run ``python examples/plot_reuse_scores.py [figure.png]``; set
``SK_EASYCORE_EXAMPLE_SMALL=1`` for a quick, smaller run.
"""

import os
import sys
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.model_selection import train_test_split
from skorch import NeuralNetClassifier

from sk_easycore import AIGNScorer, EasyCoreSelector, RandomSelector
from sk_easycore.datasets import load_digits_images
from sk_easycore.models import ResidualMLP, SmallCNN
from sk_easycore.robustness import adversarial_accuracy

# Small models gain nothing from threads; on a busy machine they spin.
torch.set_num_threads(1)
SMALL = os.environ.get("SK_EASYCORE_EXAMPLE_SMALL") == "1"
if SMALL:
    N_ROWS, EPOCHS, FRACTIONS = 400, 3, [0.3]
else:
    N_ROWS, EPOCHS, FRACTIONS = 1797, 20, [0.1, 0.3, 0.5]
EPS = 0.05  # L-inf, pixel units


def figure_path(name):
    """The PNG to write: argv[1], else in $SK_EASYCORE_EXAMPLE_OUT or tmp."""
    if len(sys.argv) > 1:
        return Path(sys.argv[1])
    default = Path(tempfile.gettempdir()) / "sk_easycore_examples"
    folder = Path(os.environ.get("SK_EASYCORE_EXAMPLE_OUT", default))
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def net(module, **params):
    return NeuralNetClassifier(
        module, criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam, lr=1e-3, max_epochs=EPOCHS, batch_size=64,
        train_split=None, iterator_train__shuffle=True, verbose=0, **params)


X, y = load_digits_images()
X_train, X_test, y_train, y_test = train_test_split(
    X[:N_ROWS], y[:N_ROWS], test_size=0.25, stratify=y[:N_ROWS],
    random_state=0)

# 1. Score once with the CNN and keep the array (any format will do).
with tempfile.TemporaryDirectory() as folder:
    scores_file = Path(folder) / "digits_aign.npy"
    cnn_scorer = AIGNScorer(net(SmallCNN), random_state=0)
    np.save(scores_file, cnn_scorer.fit(X_train, y_train).scores_)
    # 2. Later, select for another architecture: an MLP on the 64 pixels,
    #    with the rows in the same order as when they were scored.
    scores = np.load(scores_file)
flat_train = X_train.reshape(len(X_train), -1)
flat_test = X_test.reshape(len(X_test), -1)
mlp = net(ResidualMLP, module__in_features=64, module__n_classes=10,
          module__n_blocks=4, module__width=128)

accuracy = {name: {"clean": [], "pgd": []} for name in ("EasyCore", "random")}
for fraction in FRACTIONS:
    selectors = {"EasyCore": EasyCoreSelector(scores, frac=fraction),
                 "random": RandomSelector(frac=fraction, random_state=0)}
    for name, selector in selectors.items():
        X_core, y_core = selector.fit_resample(flat_train, y_train)
        torch.manual_seed(0)  # the same initialisation for both coresets
        model = mlp.fit(X_core, y_core)
        clean = model.score(flat_test, y_test)
        pgd = adversarial_accuracy(model, flat_test, y_test, attack="pgd",
                                   eps=EPS)
        accuracy[name]["clean"].append(clean)
        accuracy[name]["pgd"].append(pgd)
        print(f"fraction {fraction}: {name} on {len(y_core)} rows, "
              f"clean {clean:.3f}, PGD {pgd:.3f}")

fig, ax = plt.subplots(figsize=(6.5, 4.5), layout="constrained")
for name, color in [("EasyCore", "tab:blue"), ("random", "tab:orange")]:
    ax.plot(FRACTIONS, accuracy[name]["clean"], "o-", color=color,
            label=f"{name}, clean")
    ax.plot(FRACTIONS, accuracy[name]["pgd"], "^--", color=color,
            label=f"{name}, PGD eps={EPS:g}")
ax.set_xlabel("fraction of every class kept")
ax.set_ylabel(f"test accuracy ({len(y_test)} digits, one seed)")
ax.set_ylim(-0.02, 1.02)
ax.set_title("AIGN computed once with a SmallCNN, reused to select\n"
             "coresets for a ResidualMLP on flattened pixels "
             "(L-inf eps in pixel units)")
ax.legend()
path = figure_path("plot_reuse_scores.png")
fig.savefig(path, dpi=100)
plt.close(fig)
print(f"wrote {path}")
