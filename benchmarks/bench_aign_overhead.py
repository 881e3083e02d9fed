"""What recording AIGN costs per training epoch, against plain skorch training.

In one run, the same net is trained on the same data (a) plainly with skorch,
(b) through ``AIGNScorer(mode="train")`` (norms from the training step's own
backward pass) and (c) through ``AIGNScorer(mode="eval")`` (an extra eval-mode
pass every epoch). The three are interleaved over several repeats and the
median epoch time of each (skorch's ``dur``, which includes the recording; the
first epoch of every fit is dropped as warm-up) is compared: ratios b/a and c/a.

Two workloads: the digits SmallCNN (1347 images of 1x8x8, batch 64) and a
CIFAR-shaped ResNet-18 on a few random batches (3x32x32).

    python benchmarks/bench_aign_overhead.py [--repeats 3] [--threads N] [--quick]

With other work on the machine, ``--threads 1`` avoids OpenMP threads spin-waiting
against each other (which distorts every timing).
"""

import argparse
import time

import numpy as np
import torch
from skorch import NeuralNetClassifier

from sk_easycore.datasets import load_digits_images
from sk_easycore.models import SmallCNN, cifar_resnet18
from sk_easycore.scoring import AIGNScorer
from sk_easycore.utils import default_device, torch_seed


def make_net(module, max_epochs, batch_size, **module_params):
    return NeuralNetClassifier(
        module, criterion=torch.nn.CrossEntropyLoss, optimizer=torch.optim.SGD, lr=0.01,
        max_epochs=max_epochs, batch_size=batch_size, train_split=None,
        iterator_train__shuffle=True, device=default_device(), verbose=0, **module_params,
    )


def epoch_times(variant, net, X, y, seed):
    if variant == "plain":
        with torch_seed(seed):
            fitted = net.fit(X, y)
    else:
        fitted = AIGNScorer(net, mode=variant, random_state=seed).fit(X, y).net_
    return list(fitted.history[1:, "dur"])  # drop the warm-up epoch


def measure(name, net, X, y, repeats):
    times = {"plain": [], "train": [], "eval": []}
    start = time.perf_counter()
    for repeat in range(repeats):
        for variant in times:  # interleaved, so drift hits all three alike
            times[variant] += epoch_times(variant, net, X, y, seed=repeat)
    median = {k: float(np.median(v)) for k, v in times.items()}
    print(f"{name}: {len(X)} samples, batch {net.batch_size}, "
          f"{len(times['plain'])} timed epochs per variant ({time.perf_counter() - start:.0f} s)")
    print(f"  median epoch  plain {median['plain']:.4f} s | train-mode AIGN "
          f"{median['train']:.4f} s | eval-mode AIGN {median['eval']:.4f} s")
    print(f"  ratio train-mode / plain = {median['train'] / median['plain']:.3f}   "
          f"ratio eval-mode / plain = {median['eval'] / median['plain']:.3f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, to check it runs")
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device "
          f"{default_device()}")

    X, y = load_digits_images()
    X, y = X[:1347], y[:1347]
    epochs = 3 if args.quick else 11
    measure("digits SmallCNN", make_net(SmallCNN, epochs, 64), X, y, args.repeats)

    rng = np.random.RandomState(0)
    n = 64 if args.quick else 256
    X = rng.rand(n, 3, 32, 32).astype(np.float32)
    y = rng.randint(0, 10, n).astype(np.int64)
    net = make_net(cifar_resnet18, 3 if args.quick else 5, 64, module__num_classes=10)
    measure("CIFAR-shaped ResNet-18 (random data)", net, X, y, args.repeats)


if __name__ == "__main__":
    main()
