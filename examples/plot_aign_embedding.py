"""
What AIGN looks like: per class, across architectures, in feature space
=======================================================================

One ``TrainingDynamics`` proxy (a small CNN) scores every digit by its AIGN
and keeps its penultimate-layer features. The figure shows the AIGN
distribution of each class, the same distribution measured with a different
network (a residual MLP on the flattened pixels) with the rank correlation of
the two, and the CNN's features in two dimensions coloured by AIGN (UMAP when
``umap-learn`` is installed, PCA otherwise; the hardest digits are drawn on
top): hard digits sit between the class clusters.

Run ``python examples/plot_aign_embedding.py [figure.png]``; set
``SK_EASYCORE_EXAMPLE_SMALL=1`` for a quick, smaller run.
"""

import os
import sys
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import torch
from skorch import NeuralNetClassifier

from sk_easycore import AIGNScorer, TrainingDynamics
from sk_easycore.datasets import load_digits_images
from sk_easycore.models import ResidualMLP, SmallCNN
from sk_easycore.plotting import plot_embedding, plot_score_comparison

# Small models gain nothing from threads; on a busy machine they spin.
torch.set_num_threads(1)
SMALL = os.environ.get("SK_EASYCORE_EXAMPLE_SMALL") == "1"
N_ROWS, EPOCHS = (300, 3) if SMALL else (1797, 20)


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
X, y = X[:N_ROWS], y[:N_ROWS]
# AIGN and the penultimate features of the CNN, from one training
cnn = TrainingDynamics(net(SmallCNN), random_state=0).fit(X, y)
mlp = AIGNScorer(net(ResidualMLP, module__in_features=64, module__n_classes=10,
                     module__n_blocks=4, module__width=128), random_state=0)
mlp.fit(X.reshape(len(X), -1), y)

fig, axes = plt.subplots(1, 3, figsize=(17, 5), layout="constrained")
plot_score_comparison({"SmallCNN": cnn, "ResidualMLP": mlp}, y,
                      kind="density", log=True, axes=axes[:2])
plot_embedding(cnn, y=y, ax=axes[2])
# "AIGN of n samples on the CNN's / penultimate features (PCA)", two lines
title = axes[2].get_title()
axes[2].set_title(title.replace(" on ", " on the CNN's\n"))
fig.suptitle(f"AIGN of {len(y)} digits: per class for two networks, "
             "and where hard digits lie")
path = figure_path("plot_aign_embedding.png")
fig.savefig(path, dpi=100)
plt.close(fig)
print(f"wrote {path}")
