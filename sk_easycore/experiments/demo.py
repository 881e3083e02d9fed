"""The main job on the embedded digits: AIGN scores, an EasyCore 30% coreset, and its controls.

Run it with ``make demo`` or ``python -m sk_easycore.experiments.demo``. It scores
the digits training split with :class:`~sk_easycore.scoring.AIGNScorer`, prints the
score distribution per class, keeps the easiest 30% of every class, and trains the
same fresh network (same recipe, same epochs) on that coreset, on a random 30% of
every class (the class-matched control: identical per-class counts) and on all
the training rows, over several seeds, printing clean test accuracy as mean and
spread and the paired EasyCore minus random difference.
"""

import argparse
import logging
import time

import numpy as np
import torch
from sklearn.model_selection import train_test_split
from skorch import NeuralNetClassifier

from ..datasets import load_digits_images
from ..models import SmallCNN
from ..scoring import AIGNScorer
from ..selection import EasyCoreSelector, RandomSelector
from ..utils import default_device, torch_seed

logger = logging.getLogger(__name__)


def digits_net(max_epochs=30):
    """The digits recipe: SmallCNN, Adam lr 1e-3, batch 64, shuffled, no validation split."""
    return NeuralNetClassifier(
        SmallCNN,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        max_epochs=max_epochs,
        batch_size=64,
        train_split=None,
        iterator_train__shuffle=True,
        device=default_device(),
        verbose=0,
    )


def _accuracy(X_train, y_train, X_test, y_test, seed, max_epochs):
    with torch_seed(seed):
        net = digits_net(max_epochs).fit(X_train, y_train)
    return float(np.mean(net.predict(X_test) == y_test))


def _score_summary(scores, y):
    lines = ["class  n    AIGN mean  median   p10      p90"]
    for label in np.unique(y):
        s = scores[y == label]
        lines.append(
            f"{label:>5}  {len(s):<4} {s.mean():9.4f}  {np.median(s):7.4f}  "
            f"{np.percentile(s, 10):7.4f}  {np.percentile(s, 90):7.4f}"
        )
    return "\n".join(lines)


def run(fraction=0.3, seeds=3, epochs=30, scoring_epochs=20):
    """Run the demo and return its report as text."""
    X, y = load_digits_images()
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    start = time.perf_counter()
    scorer = AIGNScorer(digits_net(scoring_epochs), random_state=0).fit(X_train, y_train)
    out = [
        f"digits: {len(X_train)} training / {len(X_test)} test images, "
        f"AIGN from {scoring_epochs} epochs of SmallCNN ({time.perf_counter() - start:.1f} s)",
        _score_summary(scorer.scores_, y_train),
        "",
        f"Clean test accuracy, {epochs} epochs per model, seeds 0..{seeds - 1}:",
    ]
    easy = EasyCoreSelector(scorer.scores_, fraction=fraction).fit(X_train, y_train)
    rows = {"full data": [], f"EasyCore {fraction:.0%}": [], f"random {fraction:.0%}": []}
    for seed in range(seeds):
        rand = RandomSelector(fraction=fraction, random_state=seed).fit(X_train, y_train)
        assert rand.sampling_strategy_ == easy.sampling_strategy_  # class-matched control
        for name, idx in zip(rows, (np.arange(len(y_train)), easy.sample_indices_,
                                    rand.sample_indices_)):
            acc = _accuracy(X_train[idx], y_train[idx], X_test, y_test, seed, epochs)
            rows[name].append(acc)
            logger.info("seed %d %s: %.4f", seed, name, acc)
    for name, accs in rows.items():
        out.append(f"  {name:<14} {np.mean(accs):.4f} +- {np.std(accs, ddof=1):.4f}  "
                   f"(per seed: {', '.join(f'{a:.4f}' for a in accs)})")
    diff = np.subtract(rows[f"EasyCore {fraction:.0%}"], rows[f"random {fraction:.0%}"])
    out.append(
        f"  EasyCore - random (paired by seed): {diff.mean():+.4f} +- {diff.std(ddof=1):.4f}"
    )
    out.append(f"Total time {time.perf_counter() - start:.1f} s.")
    return "\n".join(out)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fraction", type=float, default=0.3)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="%(asctime)s %(message)s")
    print(run(fraction=args.fraction, seeds=args.seeds, epochs=args.epochs))


if __name__ == "__main__":
    main()
