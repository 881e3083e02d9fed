"""
Easy, hard and random coresets of a 2D problem
==============================================

The EasyCore paper's 2D picture: score the points of interleaved spirals by
their AIGN, keep the easiest, the hardest or a random 30% of every class, train
the same residual MLP on each coreset, and compare the decision boundaries.
Hard points crowd the centre where the arms meet; a model trained on them
alone sees little of the arms' outer parts, and one trained on easy points sees
little of the centre.

Run ``python examples/plot_decision_boundaries_2d.py [figure.png]``; set
``SK_EASYCORE_EXAMPLE_SMALL=1`` for a quick, smaller run.
"""

import os
import sys
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import torch
from skorch import NeuralNetClassifier

from sk_easycore import AIGNScorer, RandomSelector, ScoreSelector
from sk_easycore.datasets import make_synthetic_2d
from sk_easycore.models import ResidualMLP
from sk_easycore.plotting import plot_coreset_boundaries

# Small models gain nothing from threads; on a busy machine they spin.
torch.set_num_threads(1)
SMALL = os.environ.get("SK_EASYCORE_EXAMPLE_SMALL") == "1"
N_TRAIN, EPOCHS = (300, 10) if SMALL else (1500, 60)


def figure_path(name):
    """The PNG to write: argv[1], else in $SK_EASYCORE_EXAMPLE_OUT or tmp."""
    if len(sys.argv) > 1:
        return Path(sys.argv[1])
    default = Path(tempfile.gettempdir()) / "sk_easycore_examples"
    folder = Path(os.environ.get("SK_EASYCORE_EXAMPLE_OUT", default))
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


X, y = make_synthetic_2d(N_TRAIN, noise=0.04, random_state=0)
X_test, y_test = make_synthetic_2d(1000, noise=0.04, random_state=1)

net = NeuralNetClassifier(
    ResidualMLP, module__n_classes=3, module__n_blocks=4, module__width=64,
    criterion=torch.nn.CrossEntropyLoss, optimizer=torch.optim.Adam, lr=3e-3,
    max_epochs=EPOCHS, batch_size=64, train_split=None,
    iterator_train__shuffle=True, verbose=0)

# AIGN of every training point, from one training on all of them
scores = AIGNScorer(net, random_state=0).fit(X, y).scores_

coresets = {
    "easiest 30%": ScoreSelector(scores, keep="lowest", frac=0.3),
    "hardest 30%": ScoreSelector(scores, keep="highest", frac=0.3),
    "random 30%": RandomSelector(frac=0.3, random_state=0),
}
torch.manual_seed(0)
axes = plot_coreset_boundaries(net, X, y, coresets, X_test=X_test,
                               y_test=y_test)
fig = axes[0].figure
fig.suptitle("The same ResidualMLP trained on three coresets of spiral arms\n"
             "background: predicted class; "
             "large dots: the coreset it was trained on")
path = figure_path("plot_decision_boundaries_2d.png")
fig.savefig(path, dpi=100)
plt.close(fig)
print(f"wrote {path}")
