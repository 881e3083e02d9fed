"""The paper's setting at speed: ResNet-18 on CIFAR-shaped data through the library and bare torch.

On one device, in one run, it trains a CIFAR ResNet-18 on generated 3x32x32 images
(class-dependent colour patterns plus noise, so that the networks learn something)

(a) through the library's standard path: ``make_default_net(model="resnet18", ...)`` with the
    CIFAR recipe (SGD 0.9, lr 0.1, weight decay 5e-4, batch 200, random crop and flip on the
    device), i.e. skorch's loop, against a bare torch loop doing the same work (the same
    augmentation, optimizer and batch size);
(b) through the library's TRADES path: ``AdversarialTrainingClassifier(method="trades")``
    (ART's trainer, TRADES' KL inner maximization, 10 steps of 2/255 within 8/255, beta 6),
    against a bare torch TRADES loop;
(b') with ``--n-pgd-at N`` (and always with ``--quick``): the library's PGD adversarial
    training, ``AdversarialTrainingClassifier(method="pgd")`` (ART's ``AdversarialTrainer``,
    whose batches go through numpy), against a bare torch PGD-AT loop (the same steps, from
    a uniform random start);
(c) PGD-20 at 8/255 through ``adversarial_accuracy`` (ART), against a bare torch PGD-20;
(d) with ``--autoattack-images N``: the standard AutoAttack at 8/255 on N test images of the
    TRADES model through ``adversarial_accuracy(attack="autoattack")``, against the authors'
    code (``pyautoattack``) called directly on the module;

and prints the time per epoch (or per attack), the images per second and the ratio
library / bare torch of each. The ratios are what to compare between a GPU and the CPU
(``--quick``). Defaults (50,000 training and 10,000 test images, 2 standard and 1 TRADES
epoch each way) take a few minutes on one recent GPU.

What each timed region holds, the same work on both sides:

- Both sides start from the same numpy arrays in host memory and do the same number of
  batches, epochs and inner steps on the same device, with the same batch size, optimizer
  settings, augmentation, eps and step. The bare side's copy of the arrays to the device
  (``torch.as_tensor``; free on a CPU) is inside its timing, as the library's is in its own.
- Warm-up: before any timing, each side runs the same code on two batches (a
  ``partial_fit`` and a bare epoch; a whole TRADES / PGD-AT training each way; one attack
  batch each way), so that neither pays the first call's kernel selection and allocations.
- (a): one net each way, built and warmed up outside the timing; each epoch is timed alone
  (``net.partial_fit(X, y)`` against one bare epoch) and the median over ``--epochs`` shown.
- (b), (b'): a fresh model each way, timed from construction to the end of its epochs: the
  library's ``fit`` (clone of the net, module construction, ART's wrappers, the training)
  against the bare model's construction (``cifar_resnet18``, the optimizer), the copy to the
  device and the same epochs; both seeded with 0. Measured on ``--n-trades`` (``--n-pgd-at``)
  images and scaled to an epoch of ``--n-train``.
- (c): the standard model of (a), the same module each way: ``adversarial_accuracy`` on the
  numpy test images against a bare loop on the test images copied to the device.

With ``--repeats R`` each side of (b), (b') and (c) is timed R times, in turn, and the medians
are shown. The clock is the wall clock on a GPU (the device synchronized before and after)
and this process's CPU time on a CPU (``--clock``), which other processes on a shared CPU
disturb less.

    python benchmarks/gpu_check.py [--quick] [--bf16] [--channels-last] [--n-train N]
        [--n-trades N] [--n-pgd-at N] [--autoattack-images N] [--repeats R] [--threads T]

``measure(parse_args([...]))`` returns the figures as a dict (``benchmarks/device_check.py``).
"""

import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F

from sk_easycore.data import random_crop_flip
from sk_easycore.models import cifar_resnet18, make_default_net
from sk_easycore.robustness import AdversarialTrainingClassifier, adversarial_accuracy
from sk_easycore.utils import default_device, torch_seed

EPS, STEP = 8 / 255, 2 / 255


def make_data(n, seed):
    """CIFAR-shaped float32 images in [0, 1] whose class sets a colour pattern."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n)
    patterns = rng.uniform(0.2, 0.8, (10, 3, 4, 4)).astype(np.float32)
    base = np.repeat(np.repeat(patterns[y], 8, axis=2), 8, axis=3)
    X = np.clip(base + rng.normal(0, 0.15, base.shape).astype(np.float32), 0, 1)
    return X.astype(np.float32), y.astype(np.int64)


def sync(device):
    if device == "cuda":
        torch.cuda.synchronize()


def library_net(args, epochs, augment=True):
    return make_default_net((1, 3, 32, 32), 10, model="resnet18", optimizer="sgd", lr=0.1,
                            momentum=0.9, weight_decay=5e-4, batch_size=args.batch_size,
                            max_epochs=epochs, augment="crop_flip" if augment else "none",
                            precision="bf16" if args.bf16 else "fp32",
                            channels_last=args.channels_last)


def bare_model(args, device):
    model = cifar_resnet18(num_classes=10).to(device)
    if args.channels_last:
        model = model.to(memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, weight_decay=5e-4)
    return model, optimizer


def forward(model, x, args):
    if args.channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    with torch.autocast(device_type=x.device.type, dtype=torch.bfloat16, enabled=args.bf16):
        return model(x).float()


def bare_standard_epoch(model, optimizer, X, y, args):
    model.train()
    order = torch.randperm(len(X), device=X.device)
    for start in range(0, len(X), args.batch_size):
        rows = order[start:start + args.batch_size]
        x = random_crop_flip(X[rows])
        loss = F.cross_entropy(forward(model, x, args), y[rows])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()


def bare_trades_epoch(model, optimizer, X, y, args, beta=6.0):
    order = torch.randperm(len(X), device=X.device)
    for start in range(0, len(X), args.batch_size):
        rows = order[start:start + args.batch_size]
        x = random_crop_flip(X[rows])
        model.eval()
        with torch.no_grad():
            target = F.softmax(forward(model, x, args), dim=1)
        x_adv = (x + 0.001 * torch.randn_like(x)).detach()
        for _ in range(args.steps):
            x_adv.requires_grad_(True)
            kl = F.kl_div(F.log_softmax(forward(model, x_adv, args), dim=1), target,
                          reduction="sum")
            (grad,) = torch.autograd.grad(kl, x_adv)
            x_adv = x_adv.detach() + STEP * grad.sign()
            x_adv = torch.min(torch.max(x_adv, x - EPS), x + EPS).clamp(0, 1)
        model.train()
        logits = forward(model, x, args)
        loss = F.cross_entropy(logits, y[rows]) + beta * F.kl_div(
            F.log_softmax(forward(model, x_adv, args), dim=1), F.softmax(logits, dim=1),
            reduction="batchmean")
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()


def bare_pgd(model, x, x_adv, target, steps, args):
    """``steps`` PGD steps on the cross-entropy from ``x_adv``, each projected around ``x``."""
    for _ in range(steps):
        x_adv.requires_grad_(True)
        loss = F.cross_entropy(forward(model, x_adv, args), target)
        (grad,) = torch.autograd.grad(loss, x_adv)
        x_adv = x_adv.detach() + STEP * grad.sign()
        x_adv = torch.min(torch.max(x_adv, x - EPS), x + EPS).clamp(0, 1)
    return x_adv


def bare_pgd_at_epoch(model, optimizer, X, y, args):
    """Madry's PGD adversarial training: every row replaced by its PGD example (random start)."""
    order = torch.randperm(len(X), device=X.device)
    for start in range(0, len(X), args.batch_size):
        rows = order[start:start + args.batch_size]
        x, target = random_crop_flip(X[rows]), y[rows]
        model.eval()
        x_adv = bare_pgd(model, x, (x + EPS * (torch.rand_like(x) * 2 - 1)).clamp(0, 1),
                         target, args.steps, args)
        model.train()
        loss = F.cross_entropy(forward(model, x_adv, args), target)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()


def bare_pgd_accuracy(model, X, y, args, seed=0):
    model.eval()
    generator = torch.Generator(device="cpu").manual_seed(seed)
    correct = 0
    for start in range(0, len(X), args.attack_batch):
        x, target = X[start:start + args.attack_batch], y[start:start + args.attack_batch]
        noise = (torch.rand(x.shape, generator=generator) * 2 - 1).to(x.device)
        x_adv = bare_pgd(model, x, (x + EPS * noise).clamp(0, 1), target, args.pgd_steps, args)
        with torch.no_grad():
            correct += int((forward(model, x_adv, args).argmax(1) == target).sum())
    return correct / len(X)


def timed(fn, device, clock):
    """``(seconds, fn())``: the device synchronized before and after, ``clock`` read around."""
    sync(device)
    start = clock()
    value = fn()
    sync(device)
    return clock() - start, value


def paired(library, bare, device, args):
    """Time ``library()`` and ``bare()`` in turn ``args.repeats`` times: the medians and values."""
    lib, base = [], []
    for _ in range(args.repeats):
        lib.append(timed(library, device, args.timer))
        base.append(timed(bare, device, args.timer))
    return (float(np.median([t for t, _ in lib])), lib[-1][1],
            float(np.median([t for t, _ in base])), base[-1][1])


def report(name, n_images, lib_s, bare_s, extra="", log=print):
    """Print one line and return the figures as a dict (seconds, images per second, the ratio)."""
    log(f"  {name:<22} library {lib_s:8.2f} s ({n_images / lib_s:8.0f} img/s)   bare torch "
        f"{bare_s:8.2f} s ({n_images / bare_s:8.0f} img/s)   ratio library / torch = "
        f"{lib_s / bare_s:.3f}{extra}")
    return {"images": n_images, "library_s": lib_s, "bare_s": bare_s,
            "library_img_per_s": n_images / lib_s, "bare_img_per_s": n_images / bare_s,
            "ratio": lib_s / bare_s}


def bare_autoattack_accuracy(model, X, y, args, seed=0):
    """The authors' AutoAttack (``pyautoattack``, standard version) called directly on the module."""
    from pyautoattack import AutoAttack

    model.eval()
    wrapped = (lambda x: forward(model, x, args)) if (args.bf16 or args.channels_last) else model
    attack = AutoAttack(_Logits(wrapped), norm="Linf", eps=EPS, version="standard", seed=seed,
                        device=X.device)
    attack.logger.setLevel("WARNING")
    x_adv = attack.run_standard_evaluation(X, y, batch_size=args.attack_batch)[0]
    with torch.no_grad():
        return float((forward(model, x_adv.to(X.device), args).argmax(1) == y).float().mean())


class _Logits(torch.nn.Module):
    """A module around a callable (the bare model's forward under autocast / channels_last)."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes (CPU, the test suite)")
    parser.add_argument("--n-train", type=int, default=50000)
    parser.add_argument("--n-trades", type=int, default=None,
                        help="training images of the TRADES epoch (default: --n-train); the "
                             "time per epoch is scaled to --n-train")
    parser.add_argument("--n-pgd-at", type=int, default=0,
                        help="training images of a PGD adversarial training epoch (0: skip; "
                             "--quick: all); the time per epoch is scaled to --n-train")
    parser.add_argument("--n-test", type=int, default=10000, help="images attacked by PGD")
    parser.add_argument("--autoattack-images", type=int, default=0,
                        help="images attacked by AutoAttack on the TRADES model (0: skip)")
    parser.add_argument("--epochs", type=int, default=2, help="standard epochs each way")
    parser.add_argument("--trades-epochs", type=int, default=1,
                        help="epochs of the TRADES and PGD-AT trainings")
    parser.add_argument("--steps", type=int, default=10, help="TRADES inner steps")
    parser.add_argument("--pgd-steps", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--attack-batch", type=int, default=1000)
    parser.add_argument("--bf16", action="store_true", help="bfloat16 autocast, both ways")
    parser.add_argument("--channels-last", action="store_true")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=1,
                        help="times each side of TRADES, PGD-AT and PGD is timed, in turn "
                             "(the median is reported)")
    parser.add_argument("--clock", choices=["auto", "wall", "cpu"], default="auto",
                        help="wall: elapsed time; cpu: this process's CPU time (steady on a "
                             "shared CPU); auto: cpu on a CPU device, wall on a GPU")
    args = parser.parse_args(argv)
    if args.quick:
        args.n_train, args.n_test, args.epochs, args.trades_epochs = 48, 24, 1, 1
        args.steps, args.pgd_steps, args.batch_size, args.attack_batch = 2, 3, 24, 24
        args.n_trades, args.n_pgd_at = None, args.n_train
    args.n_trades = min(args.n_trades or args.n_train, args.n_train)
    args.n_pgd_at = min(args.n_pgd_at, args.n_train)
    return args


def measure(args, log=print):
    """Run the checks ``args`` asks for; print each line with ``log`` and return the figures."""
    if args.threads:
        torch.set_num_threads(args.threads)
    device = default_device()
    cpu_clock = args.clock == "cpu" or (args.clock == "auto" and device == "cpu")
    args.timer = time.process_time if cpu_clock else time.perf_counter
    name = (torch.cuda.get_device_name() if device == "cuda"
            else f"cpu, {torch.get_num_threads()} threads")
    log(f"torch {torch.__version__}, device {name}; ResNet-18, {args.n_train} train / "
        f"{args.n_test} test 3x32x32 images, batch {args.batch_size}, bf16 {args.bf16}, "
        f"channels_last {args.channels_last}; clock: "
        f"{'CPU time of this process' if cpu_clock else 'wall time'}")
    results = {"device": name, "torch": torch.__version__, "bf16": args.bf16,
               "channels_last": args.channels_last, "batch_size": args.batch_size,
               "clock": "cpu" if cpu_clock else "wall"}
    X, y = make_data(args.n_train, 0)
    X_test, y_test = make_data(args.n_test, 1)
    warm = args.batch_size * 2  # the warm-up: two batches through each path before any timing

    def to_device(*arrays):
        return tuple(torch.as_tensor(a, device=device) for a in arrays)

    # (a) standard training, one epoch at a time each way (the same net through every epoch)
    with torch_seed(0):
        net = library_net(args, 1).initialize()
        model, optimizer = bare_model(args, device)
    net.partial_fit(X[:warm], y[:warm])
    bare_standard_epoch(model, optimizer, *to_device(X[:warm], y[:warm]), args)
    lib, bare = [], []
    for _ in range(args.epochs):
        lib.append(timed(lambda: net.partial_fit(X, y), device, args.timer)[0])
        bare.append(timed(lambda: bare_standard_epoch(model, optimizer, *to_device(X, y), args),
                          device, args.timer)[0])
    log("per epoch (median over epochs):")
    results["standard"] = report("standard training", args.n_train, np.median(lib),
                                 np.median(bare), log=log)

    # (b) TRADES and (b') PGD adversarial training: a fresh model each way, timed from its
    # construction to the end of its epochs, scaled to an epoch of n_train images
    results["trades"], clf = _adversarial_training(
        args, "trades", bare_trades_epoch, X, y, args.n_trades, device, to_device, log)
    results["trades"]["measured_images"] = args.n_trades
    if args.n_pgd_at:
        results["pgd_at"], _ = _adversarial_training(
            args, "pgd", bare_pgd_at_epoch, X, y, args.n_pgd_at, device, to_device, log)
        results["pgd_at"]["measured_images"] = args.n_pgd_at

    # (c) PGD on the standard model, the same model each way, after one warm-up batch each
    def library_attack(k):
        return adversarial_accuracy(net, X_test[:k], y_test[:k], "pgd", eps=EPS, eps_step=STEP,
                                    max_iter=args.pgd_steps, batch_size=args.attack_batch)

    def bare_attack(k):
        return bare_pgd_accuracy(net.module_, *to_device(X_test[:k], y_test[:k]), args)

    library_attack(args.attack_batch)
    bare_attack(args.attack_batch)
    lib_s, lib_acc, bare_s, bare_acc = paired(lambda: library_attack(args.n_test),
                                              lambda: bare_attack(args.n_test), device, args)
    results["pgd"] = report(f"PGD-{args.pgd_steps} attack", args.n_test, lib_s, bare_s,
                            f"   (accuracy {lib_acc:.4f} / {bare_acc:.4f})", log=log)
    results["pgd"].update(steps=args.pgd_steps, library_accuracy=lib_acc, bare_accuracy=bare_acc)

    # (d) AutoAttack (standard) on the TRADES model: the library against the authors' code
    if args.autoattack_images:
        try:
            results["autoattack"] = _autoattack(args, clf, X_test, y_test,
                                                *to_device(X_test, y_test), device, log)
        except Exception as exc:  # AutoAttack comes last: keep the figures above
            log(f"  AutoAttack failed: {type(exc).__name__}: {exc}")
            results["autoattack"] = {"error": f"{type(exc).__name__}: {exc}"}
    return results


def _adversarial_training(args, method, bare_epoch, X, y, n, device, to_device, log):
    """One ``method`` training each way on ``X[:n]``; the report and the library's classifier.

    Each side first trains a throwaway model on two batches (the warm-up), then is timed from
    the numpy arrays to the trained model: the library's ``fit`` (clone, module construction,
    ART's wrappers, its epochs) against the bare model's construction, the copy of the arrays
    to the device and the same epochs.
    """
    def library(rows):
        net = library_net(args, args.trades_epochs, augment=False)
        clf = AdversarialTrainingClassifier(net, method=method, eps=EPS, eps_step=STEP,
                                            max_iter=args.steps, augment="crop_flip",
                                            random_state=0)
        return clf.fit(X[:rows], y[:rows])

    def bare(rows):
        with torch_seed(0):
            model, optimizer = bare_model(args, device)
            X_dev, y_dev = to_device(X[:rows], y[:rows])
            for _ in range(args.trades_epochs):
                bare_epoch(model, optimizer, X_dev, y_dev, args)

    library(args.batch_size * 2)
    bare(args.batch_size * 2)
    lib_s, clf, bare_s, _ = paired(lambda: library(n), lambda: bare(n), device, args)
    scale = args.n_train / n / args.trades_epochs
    name = "TRADES training" if method == "trades" else "PGD-AT training"
    inner = "KL" if method == "trades" else "PGD"
    figures = report(name, args.n_train, lib_s * scale, bare_s * scale,
                     f"   ({args.steps} {inner} steps; measured on {n} images)", log=log)
    return figures, clf


def _autoattack(args, clf, X_test, y_test, X_test_dev, y_test_dev, device, log):
    """The standard AutoAttack on the TRADES model: the library against the authors' code."""
    k = min(args.autoattack_images, args.n_test)
    lib_s, lib_acc = timed(lambda: adversarial_accuracy(
        clf, X_test[:k], y_test[:k], "autoattack", eps=EPS, batch_size=args.attack_batch),
        device, args.timer)
    bare_s, bare_acc = timed(lambda: bare_autoattack_accuracy(
        clf.net_.module_, X_test_dev[:k], y_test_dev[:k], args), device, args.timer)
    figures = report("AutoAttack (TRADES)", k, lib_s, bare_s,
                     f"   (accuracy {lib_acc:.4f} / {bare_acc:.4f})", log=log)
    figures.update(library_accuracy=lib_acc, bare_accuracy=bare_acc,
                   library_s_per_image=lib_s / k, bare_s_per_image=bare_s / k)
    return figures


def main(argv=None):
    measure(parse_args(argv))


if __name__ == "__main__":
    main()
