"""What a training epoch spends reading its batches: DeviceLoader against torch's DataLoader.

skorch hands ``fit``'s arrays to a ``torch.utils.data.DataLoader``, which calls the
dataset once per sample and collates the rows into a batch; the nets
``make_default_net`` builds read them through :class:`sk_easycore.data.DeviceLoader`
instead (one indexing per batch, the inputs copied to the device once per fit). This
script times whole epochs of both over the same skorch Dataset (CIFAR-shaped
float32 images, shuffled, the training batch size of the CIFAR recipe), with the
same batches (checked), and prints the seconds per epoch and the ratio
DataLoader / DeviceLoader, measured in the same run, rounds alternating.

    python benchmarks/bench_loader.py [--n 50000] [--batch-size 200] [--rounds 3] [--quick]
"""

import argparse
import statistics
import time

import numpy as np
import torch
from skorch.dataset import Dataset
from torch.utils.data import DataLoader

from sk_easycore.data import DeviceLoader
from sk_easycore.utils import default_device


def epoch_seconds(loader_class, dataset, args, device):
    """One pass over the dataset, each batch's inputs on ``device`` (as training needs)."""
    kwargs = dict(device=device) if loader_class is DeviceLoader else {}
    torch.manual_seed(0)
    start = time.perf_counter()
    total = 0.0
    for x, _ in loader_class(dataset, batch_size=args.batch_size, shuffle=True, **kwargs):
        total += float(x.to(device)[0, 0, 0, 0])  # the batch must reach the device
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start, total


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50_000, help="images (default 50,000)")
    parser.add_argument("--batch-size", type=int, default=200, help="batch size (default 200)")
    parser.add_argument("--rounds", type=int, default=3, help="epochs of each (default 3)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--quick", action="store_true", help="5,000 images, 2 rounds")
    args = parser.parse_args()
    if args.quick:
        args.n, args.rounds = 5_000, 2
    torch.set_num_threads(args.threads)
    device = torch.device(default_device())
    rng = np.random.default_rng(0)
    X = rng.random((args.n, 3, 32, 32), dtype=np.float32)
    y = rng.integers(0, 10, args.n)
    dataset = Dataset(X, y)
    times = {DataLoader: [], DeviceLoader: []}
    checks = {}
    for _ in range(args.rounds):
        for loader_class in (DataLoader, DeviceLoader):
            seconds, checks[loader_class] = epoch_seconds(loader_class, dataset, args, device)
            times[loader_class].append(seconds)
    if checks[DataLoader] != checks[DeviceLoader]:
        raise SystemExit("the two loaders gave different batches")
    plain, device_loader = (statistics.median(times[c]) for c in (DataLoader, DeviceLoader))
    print(f"{args.n} images 3x32x32, batch {args.batch_size}, device {device}, "
          f"{args.threads} thread(s), median of {args.rounds} epochs each")
    print(f"DataLoader   {plain:8.3f} s per epoch")
    print(f"DeviceLoader {device_loader:8.3f} s per epoch")
    print(f"ratio DataLoader / DeviceLoader = {plain / device_loader:.1f}")


if __name__ == "__main__":
    main()
