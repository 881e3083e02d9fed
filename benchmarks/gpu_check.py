"""The paper's setting at speed: ResNet-18 on CIFAR-shaped data through the library and bare torch.

On one device, in one run, it trains a CIFAR ResNet-18 on generated 3x32x32 images
(class-dependent colour patterns plus noise, so that the networks learn something)

(a) through the library's standard path: ``make_default_net(model="resnet18", ...)`` with the
    CIFAR recipe (SGD 0.9, lr 0.1, weight decay 5e-4, batch 200, random crop and flip on the
    device), i.e. skorch's loop, against a bare torch loop doing the same work (data on the
    device once, the same augmentation, the same optimizer);
(b) through the library's TRADES path: ``AdversarialTrainingClassifier(method="trades")``
    (ART's trainer, TRADES' KL inner maximization, 10 steps of 2/255 within 8/255, beta 6),
    against a bare torch TRADES loop;
(c) PGD-20 at 8/255 through ``adversarial_accuracy`` (ART), against a bare torch PGD-20;
(d) with ``--autoattack-images N``: the standard AutoAttack at 8/255 on N test images of the
    TRADES model through ``adversarial_accuracy(attack="autoattack")``, against the authors'
    code (``pyautoattack``) called directly on the module;

and prints the time per epoch (or per attack), the images per second and the ratio
library / bare torch of each. The ratios are what to compare between a GPU and the CPU
(``--quick``). Defaults (50,000 training and 10,000 test images, 2 standard and 1 TRADES
epoch each way) take a few minutes on one recent GPU.

    python benchmarks/gpu_check.py [--quick] [--bf16] [--channels-last] [--n-train N]
        [--n-trades N] [--autoattack-images N]

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


def bare_pgd_accuracy(model, X, y, args, seed=0):
    model.eval()
    generator = torch.Generator(device="cpu").manual_seed(seed)
    correct = 0
    for start in range(0, len(X), args.attack_batch):
        x, target = X[start:start + args.attack_batch], y[start:start + args.attack_batch]
        noise = (torch.rand(x.shape, generator=generator) * 2 - 1).to(x.device)
        x_adv = (x + EPS * noise).clamp(0, 1)
        for _ in range(args.pgd_steps):
            x_adv.requires_grad_(True)
            loss = F.cross_entropy(forward(model, x_adv, args), target)
            (grad,) = torch.autograd.grad(loss, x_adv)
            x_adv = x_adv.detach() + STEP * grad.sign()
            x_adv = torch.min(torch.max(x_adv, x - EPS), x + EPS).clamp(0, 1)
        with torch.no_grad():
            correct += int((forward(model, x_adv, args).argmax(1) == target).sum())
    return correct / len(X)


def timed(fn, device):
    sync(device)
    start = time.perf_counter()
    value = fn()
    sync(device)
    return time.perf_counter() - start, value


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
    parser.add_argument("--n-test", type=int, default=10000, help="images attacked by PGD")
    parser.add_argument("--autoattack-images", type=int, default=0,
                        help="images attacked by AutoAttack on the TRADES model (0: skip)")
    parser.add_argument("--epochs", type=int, default=2, help="standard epochs each way")
    parser.add_argument("--trades-epochs", type=int, default=1)
    parser.add_argument("--steps", type=int, default=10, help="TRADES inner steps")
    parser.add_argument("--pgd-steps", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--attack-batch", type=int, default=1000)
    parser.add_argument("--bf16", action="store_true", help="bfloat16 autocast, both ways")
    parser.add_argument("--channels-last", action="store_true")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    if args.quick:
        args.n_train, args.n_test, args.epochs, args.trades_epochs = 48, 24, 1, 1
        args.steps, args.pgd_steps, args.batch_size, args.attack_batch = 2, 3, 24, 24
        args.n_trades = None
    args.n_trades = min(args.n_trades or args.n_train, args.n_train)
    return args


def measure(args, log=print):
    """Run the checks ``args`` asks for; print each line with ``log`` and return the figures."""
    if args.threads:
        torch.set_num_threads(args.threads)
    device = default_device()
    name = (torch.cuda.get_device_name() if device == "cuda"
            else f"cpu, {torch.get_num_threads()} threads")
    log(f"torch {torch.__version__}, device {name}; ResNet-18, {args.n_train} train / "
        f"{args.n_test} test 3x32x32 images, batch {args.batch_size}, bf16 {args.bf16}, "
        f"channels_last {args.channels_last}")
    results = {"device": name, "torch": torch.__version__, "bf16": args.bf16,
               "channels_last": args.channels_last, "batch_size": args.batch_size}
    X, y = make_data(args.n_train, 0)
    X_test, y_test = make_data(args.n_test, 1)
    X_dev, y_dev = torch.as_tensor(X, device=device), torch.as_tensor(y, device=device)

    # (a) standard training, one epoch at a time each way (after a short warm-up)
    with torch_seed(0):
        net = library_net(args, 1).initialize()
        model, optimizer = bare_model(args, device)
    net.partial_fit(X[:args.batch_size * 2], y[:args.batch_size * 2])  # warm-up
    bare_standard_epoch(model, optimizer, X_dev[:args.batch_size * 2],
                        y_dev[:args.batch_size * 2], args)
    lib, bare = [], []
    for _ in range(args.epochs):
        lib.append(timed(lambda: net.partial_fit(X, y), device)[0])
        bare.append(timed(lambda: bare_standard_epoch(model, optimizer, X_dev, y_dev, args),
                          device)[0])
    log("per epoch (median over epochs):")
    results["standard"] = report("standard training", args.n_train, np.median(lib),
                                 np.median(bare), log=log)

    # (b) TRADES, the same data and budget each way, scaled to an epoch of n_train images
    n = args.n_trades
    trades_net = library_net(args, args.trades_epochs, augment=False)
    clf = AdversarialTrainingClassifier(trades_net, method="trades", eps=EPS, eps_step=STEP,
                                        max_iter=args.steps, augment="crop_flip",
                                        random_state=0)
    lib_s, _ = timed(lambda: clf.fit(X[:n], y[:n]), device)
    with torch_seed(0):
        model_t, optimizer_t = bare_model(args, device)
    bare_s = sum(timed(lambda: bare_trades_epoch(model_t, optimizer_t, X_dev[:n], y_dev[:n],
                                                 args), device)[0]
                 for _ in range(args.trades_epochs))
    scale = args.n_train / n / args.trades_epochs
    results["trades"] = report("TRADES training", args.n_train, lib_s * scale, bare_s * scale,
                               f"   ({args.steps} KL steps; measured on {n} images)", log=log)
    results["trades"]["measured_images"] = n

    # (c) PGD on the standard model, the same model each way
    X_test_dev, y_test_dev = (torch.as_tensor(X_test, device=device),
                              torch.as_tensor(y_test, device=device))
    lib_s, lib_acc = timed(lambda: adversarial_accuracy(
        net, X_test, y_test, "pgd", eps=EPS, eps_step=STEP, max_iter=args.pgd_steps,
        batch_size=args.attack_batch), device)
    bare_s, bare_acc = timed(lambda: bare_pgd_accuracy(net.module_, X_test_dev, y_test_dev,
                                                        args), device)
    results["pgd"] = report(f"PGD-{args.pgd_steps} attack", args.n_test, lib_s, bare_s,
                            f"   (accuracy {lib_acc:.4f} / {bare_acc:.4f})", log=log)
    results["pgd"].update(steps=args.pgd_steps, library_accuracy=lib_acc, bare_accuracy=bare_acc)

    # (d) AutoAttack (standard) on the TRADES model: the library against the authors' code
    if args.autoattack_images:
        try:
            results["autoattack"] = _autoattack(args, clf, X_test, y_test, X_test_dev,
                                                y_test_dev, device, log)
        except Exception as exc:  # AutoAttack comes last: keep the figures above
            log(f"  AutoAttack failed: {type(exc).__name__}: {exc}")
            results["autoattack"] = {"error": f"{type(exc).__name__}: {exc}"}
    return results


def _autoattack(args, clf, X_test, y_test, X_test_dev, y_test_dev, device, log):
    """The standard AutoAttack on the TRADES model: the library against the authors' code."""
    k = min(args.autoattack_images, args.n_test)
    lib_s, lib_acc = timed(lambda: adversarial_accuracy(
        clf, X_test[:k], y_test[:k], "autoattack", eps=EPS, batch_size=args.attack_batch),
        device)
    bare_s, bare_acc = timed(lambda: bare_autoattack_accuracy(
        clf.net_.module_, X_test_dev[:k], y_test_dev[:k], args), device)
    figures = report("AutoAttack (TRADES)", k, lib_s, bare_s,
                     f"   (accuracy {lib_acc:.4f} / {bare_acc:.4f})", log=log)
    figures.update(library_accuracy=lib_acc, bare_accuracy=bare_acc,
                   library_s_per_image=lib_s / k, bare_s_per_image=bare_s / k)
    return figures


def main(argv=None):
    measure(parse_args(argv))


if __name__ == "__main__":
    main()
