"""
EasyCore against three baselines under FGSM and PGD
===================================================

Every selector reads the same proxy training (a ``TrainingDynamics`` with one
seed: through the fitted-scorer cache it is trained once), keeps 30% of every
class, and the same CNN recipe is trained on each coreset from the same
initialisation. Each model is then attacked with FGSM and PGD at several
L-inf budgets by ``robustness_report``, and ``plot_accuracy_vs_eps`` draws one
curve per coreset method. One seed only: for differences beyond seed noise run
a study (``sk-easycore study``).

Run ``python examples/plot_compare_baselines.py [figure.png]``; set
``SK_EASYCORE_EXAMPLE_SMALL=1`` for a quick, smaller run.
"""

import os
import sys
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import torch
from sklearn.model_selection import train_test_split
from skorch import NeuralNetClassifier

from sk_easycore import (EasyCoreSelector, EL2NSelector, ModerateSelector,
                         RandomSelector, TrainingDynamics)
from sk_easycore.datasets import load_digits_images
from sk_easycore.models import SmallCNN
from sk_easycore.plotting import plot_accuracy_vs_eps
from sk_easycore.robustness import robustness_report

# Small models gain nothing from threads; on a busy machine they spin.
torch.set_num_threads(1)
SMALL = os.environ.get("SK_EASYCORE_EXAMPLE_SMALL") == "1"
N_ROWS, EPOCHS, PGD_STEPS = (400, 3, 3) if SMALL else (1797, 20, 10)
EPS = (0.05, 0.1, 0.2)  # L-inf, pixel units


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

# one proxy training, shared by all four selectors
proxy = TrainingDynamics(small_cnn(), random_state=0)
selectors = {
    "EasyCore": EasyCoreSelector(proxy, frac=0.3, random_state=0),
    "random": RandomSelector(frac=0.3, random_state=0),
    "EL2N": EL2NSelector(proxy, frac=0.3, random_state=0),
    "Moderate-DS": ModerateSelector(proxy, frac=0.3, random_state=0),
}
reports = []
for name, selector in selectors.items():
    X_core, y_core = selector.fit_resample(X_train, y_train)
    torch.manual_seed(0)  # the same initialisation for every coreset
    model = small_cnn().fit(X_core, y_core)
    reports.append(robustness_report(model, X_test, y_test,
                                     attacks=("fgsm", "pgd"), eps=EPS,
                                     max_iter=PGD_STEPS, name=name))
    print(reports[-1])

fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained",
                         sharey=True)
for ax, attack in zip(axes, ("fgsm", "pgd")):
    plot_accuracy_vs_eps(reports, attack, ax=ax)
axes[0].set_ylabel("test accuracy")
axes[1].set_ylabel("")  # shared with the left panel
fig.suptitle(f"SmallCNN trained on 30% coresets of digits ({len(y_core)} of "
             f"{len(y_train)} rows), one seed: accuracy under attack")
path = figure_path("plot_compare_baselines.png")
fig.savefig(path, dpi=100)
plt.close(fig)
print(f"wrote {path}")
