"""
Choosing the coreset fraction by adversarial accuracy
=====================================================

The fraction EasyCore keeps is a hyperparameter. ``GridSearchCV`` can pick it
by adversarial accuracy: ``make_robust_scorer("pgd", eps=...)`` is a
scikit-learn scorer that attacks each fold's model with PGD on the fold's
held-out rows. The AIGN scorer is trained once per fold, not once per
fraction (fitted scorers are cached), and ``refit="pgd"`` keeps the most
robust fraction.

Run ``python examples/plot_grid_search_robust.py [figure.png]``; set
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
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from skorch import NeuralNetClassifier

from sk_easycore import AIGNScorer, EasyCoreSelector
from sk_easycore.datasets import load_digits_images
from sk_easycore.models import SmallCNN
from sk_easycore.robustness import make_robust_scorer

# Small models gain nothing from threads; on a busy machine they spin.
torch.set_num_threads(1)
SMALL = os.environ.get("SK_EASYCORE_EXAMPLE_SMALL") == "1"
if SMALL:
    N_ROWS, EPOCHS, FRACTIONS = 300, 2, [0.3, 1.0]
else:
    N_ROWS, EPOCHS, FRACTIONS = 900, 15, [0.1, 0.3, 0.5, 1.0]
EPS = 0.1  # L-inf, in pixel units (images lie in [0, 1])


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
pipe = Pipeline([
    ("select", EasyCoreSelector(AIGNScorer(small_cnn()), random_state=0)),
    ("net", small_cnn()),
])
scoring = {"clean": "accuracy",
           "fgsm": make_robust_scorer("fgsm", eps=EPS),
           "pgd": make_robust_scorer("pgd", eps=EPS, max_iter=10)}
search = GridSearchCV(pipe, {"select__frac": FRACTIONS}, scoring=scoring,
                      refit="pgd",
                      cv=StratifiedKFold(3, shuffle=True, random_state=0))
search.fit(X, y)
best = search.best_params_["select__frac"]
print(f"most robust fraction: {best} "
      f"(PGD accuracy {search.best_score_:.3f})")

results = search.cv_results_
fractions = np.array(results["param_select__frac"], dtype=float)
fig, ax = plt.subplots(figsize=(6.5, 4.5), layout="constrained")
for name, marker in [("clean", "o"), ("fgsm", "s"), ("pgd", "^")]:
    label = "clean" if name == "clean" else f"{name.upper()}, eps={EPS:g}"
    ax.errorbar(fractions, results[f"mean_test_{name}"],
                yerr=results[f"std_test_{name}"], marker=marker, capsize=3,
                label=label)
ax.axvline(best, color="0.5", linestyle=":", label=f"chosen by PGD: {best:g}")
ax.set_xlabel("fraction of every class kept by EasyCore "
              "(1 = all training rows)")
ax.set_ylabel("held-out accuracy (mean ± std over 3 folds)")
ax.set_ylim(-0.02, 1.02)
ax.set_title("GridSearchCV over the coreset fraction, refit on PGD accuracy\n"
             f"digits, {N_ROWS} rows, SmallCNN, L-inf eps in pixel units")
ax.legend()
path = figure_path("plot_grid_search_robust.png")
fig.savefig(path, dpi=100)
plt.close(fig)
print(f"wrote {path}")
