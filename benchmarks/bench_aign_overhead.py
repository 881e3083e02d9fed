"""What recording AIGN costs per training epoch, against plain skorch training.

In one run, the same net is trained on the same data (a) plainly with skorch,
(b) through ``AIGNScorer(mode="train")`` (norms from the training step's own
backward pass) and (c) through ``AIGNScorer(mode="eval")`` (an extra eval-mode
pass every epoch). Each repeat trains all three, in an order that rotates from
repeat to repeat (so slow drift of the machine's speed does not always hit the
same variant), and gives the ratios b/a and c/a of their median epoch times
(skorch's ``dur``, which includes the recording; the first epoch of every fit
is dropped as warm-up). The printed ratio is the median over repeats of these
paired ratios, with their range beside it: on a shared virtual machine the
speed drifts by 10-30% within a minute, which a single pooled median absorbs
badly.

Two workloads: the digits SmallCNN (1347 images of 1x8x8, batch 64) and a
CIFAR-shaped ResNet-18 on a few random batches (3x32x32).

    python benchmarks/bench_aign_overhead.py [--repeats 6] [--threads N] [--quick]

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
    variants = ["plain", "train", "eval"]
    medians = {v: [] for v in variants}
    start = time.perf_counter()
    for repeat in range(repeats):
        order = variants[repeat % 3:] + variants[:repeat % 3]
        for variant in order:
            medians[variant].append(float(np.median(epoch_times(variant, net, X, y, repeat))))
    plain = np.array(medians["plain"])
    print(f"{name}: {len(X)} samples, batch {net.batch_size}, {repeats} repeats of "
          f"{net.max_epochs - 1} timed epochs per variant ({time.perf_counter() - start:.0f} s)")
    print(f"  median epoch  plain {np.median(plain):.4f} s | train-mode AIGN "
          f"{np.median(medians['train']):.4f} s | eval-mode AIGN "
          f"{np.median(medians['eval']):.4f} s")
    for mode in ("train", "eval"):
        ratios = np.array(medians[mode]) / plain
        print(f"  ratio {mode}-mode / plain = {np.median(ratios):.3f} (median of {repeats} paired "
              f"ratios; range {ratios.min():.3f} .. {ratios.max():.3f})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=6)
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
