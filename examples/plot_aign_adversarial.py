"""
How adversarial training reshapes AIGN
======================================

AIGN depends on how the scoring network is trained. ``AIGNScorer`` records it
during standard (skorch) training; ``AdversarialTrainingClassifier`` with
``record_aign=True`` records the same eval-mode quantity, on the clean
inputs, while ART trains the network with TRADES. The figure sets the two
distributions side by side, per class, on one log axis, and the third panel
plots one against the other, digit by digit: do both trainings agree on which
digits are easy, and how much does TRADES narrow the range?

Run ``python examples/plot_aign_adversarial.py [figure.png]``; set
``SK_EASYCORE_EXAMPLE_SMALL=1`` for a quick, smaller run.
"""

import os
import sys
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from skorch import NeuralNetClassifier

from sk_easycore import AIGNScorer
from sk_easycore.datasets import load_digits_images
from sk_easycore.models import SmallCNN
from sk_easycore.plotting import plot_score_comparison
from sk_easycore.robustness import AdversarialTrainingClassifier

# Small models gain nothing from threads; on a busy machine they spin.
torch.set_num_threads(1)
SMALL = os.environ.get("SK_EASYCORE_EXAMPLE_SMALL") == "1"
N_ROWS, EPOCHS, STEPS = (300, 2, 2) if SMALL else (1000, 15, 5)
TRAIN_EPS = 0.1  # L-inf, pixel units


def figure_path(name):
    """The PNG to write: argv[1], else in $SK_EASYCORE_EXAMPLE_OUT or tmp."""
    if len(sys.argv) > 1:
        return Path(sys.argv[1])
    default = Path(tempfile.gettempdir()) / "sk_easycore_examples"
    folder = Path(os.environ.get("SK_EASYCORE_EXAMPLE_OUT", default))
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def small_cnn():
    return NeuralNetClassifier(
        SmallCNN, criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam, lr=1e-3, max_epochs=EPOCHS, batch_size=64,
        train_split=None, iterator_train__shuffle=True, verbose=0)


X, y = load_digits_images()
X, y = X[:N_ROWS], y[:N_ROWS]

# Both norms are taken in eval mode after every epoch, averaged over epochs.
standard = AIGNScorer(small_cnn(), mode="eval", random_state=0).fit(X, y)
trades = AdversarialTrainingClassifier(
    small_cnn(), method="trades", eps=TRAIN_EPS, eps_step=TRAIN_EPS / 4,
    max_iter=STEPS, record_aign=True, random_state=0).fit(X, y)
for name, scores in [("standard", standard.scores_), ("TRADES", trades.aign_)]:
    print(f"{name:>8}: median AIGN {np.median(scores):.3g}, "
          f"min {scores.min():.3g}, max {scores.max():.3g}")

fig, axes = plt.subplots(1, 3, figsize=(15, 4.4), layout="constrained")
plot_score_comparison({"standard training": standard.scores_,
                       f"TRADES (eps {TRAIN_EPS:g})": trades.aign_}, y,
                      kind="density", log=True, axes=axes[:2])
axes[1].sharey(axes[0])
# tab10 in label order: the same class colours as the two density panels
dots = axes[2].scatter(standard.scores_, trades.aign_, c=y, cmap="tab10",
                       vmin=-0.5, vmax=9.5, s=6, alpha=0.7)
low = min(standard.scores_.min(), trades.aign_.min())
high = max(standard.scores_.max(), trades.aign_.max())
axes[2].plot([low, high], [low, high], color="0.5", linestyle=":",
             label="equal AIGN")
classes = axes[2].legend(*dots.legend_elements(), title="class",
                         loc="lower right", ncols=2, fontsize="small")
axes[2].add_artist(classes)  # kept when the next legend is made
axes[2].legend(loc="upper left")
axes[2].set(xscale="log", yscale="log", xlabel="AIGN, standard training",
            ylabel="AIGN, TRADES",
            title="one dot per digit, coloured by its class")
fig.suptitle(f"AIGN of {len(y)} digits, SmallCNN, {EPOCHS} epochs: "
             "standard vs TRADES training")
path = figure_path("plot_aign_adversarial.png")
fig.savefig(path, dpi=100)
plt.close(fig)
print(f"wrote {path}")
