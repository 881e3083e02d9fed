"""
EasyCore as a step of a scikit-learn pipeline
=============================================

``EasyCoreSelector`` is an imbalanced-learn sampler: in an
``imblearn.pipeline.Pipeline`` it drops rows during ``fit`` only, and
``predict`` goes straight to the network. The pipeline below scores the digits
by AIGN, keeps the easiest 30% of every class and trains a small CNN on them;
the figure shows where the kept rows lie in each class's AIGN distribution.

Run ``python examples/plot_pipeline.py [figure.png]``; set
``SK_EASYCORE_EXAMPLE_SMALL=1`` for a quick, smaller run.
"""

import os
import sys
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from imblearn.pipeline import Pipeline
from sklearn.model_selection import train_test_split
from skorch import NeuralNetClassifier

from sk_easycore import AIGNScorer, EasyCoreSelector
from sk_easycore.datasets import load_digits_images
from sk_easycore.models import SmallCNN
from sk_easycore.plotting import plot_score_distribution

# Small models gain nothing from threads; on a busy machine they spin.
torch.set_num_threads(1)
SMALL = os.environ.get("SK_EASYCORE_EXAMPLE_SMALL") == "1"
N_ROWS, EPOCHS = (400, 3) if SMALL else (1797, 20)


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
X_train, X_test, y_train, y_test = train_test_split(
    X[:N_ROWS], y[:N_ROWS], test_size=0.25, stratify=y[:N_ROWS],
    random_state=0)

pipe = Pipeline([
    ("select", EasyCoreSelector(AIGNScorer(small_cnn()), frac=0.3,
                                random_state=0)),
    ("net", small_cnn()),
]).fit(X_train, y_train)
select = pipe.named_steps["select"]
# predict skips the selector: every test row is classified
accuracy = pipe.score(X_test, y_test)
print(f"trained on {len(select.sample_indices_)} of {len(X_train)} rows; "
      f"test accuracy {accuracy:.3f}")

fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
plot_score_distribution(select.scores_, y_train, kind="density", log=True,
                        ax=left)
left.set_title("AIGN of every training row, per class")
kept = np.zeros(len(X_train), bool)
kept[select.sample_indices_] = True
edges = np.geomspace(select.scores_.min(), select.scores_.max(), 31)
right.hist([select.scores_[kept], select.scores_[~kept]], bins=edges,
           stacked=True, color=["tab:blue", "0.75"],
           label=[f"kept: easiest 30% of each class ({kept.sum()})",
                  f"dropped ({(~kept).sum()})"])
right.set_xscale("log")
right.set_xlabel("AIGN (log scale)")
right.set_ylabel("number of samples")
right.set_title(f"EasyCore's coreset; the pipeline's test accuracy "
                f"{accuracy:.2f}")
right.legend()
fig.suptitle("EasyCoreSelector in a Pipeline on digits: "
             "which rows the CNN is trained on")
path = figure_path("plot_pipeline.png")
fig.savefig(path, dpi=100)
plt.close(fig)
print(f"wrote {path}")
