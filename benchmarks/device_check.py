"""The paper's path on a GPU, in one run: training and attack speed, and a small study.

Written for the lent H200 (``docs/results.md``, "Measured on a GPU"), where it must finish in
about five minutes, and run with ``--quick`` on the CPU by the test suite. It writes what it
measured into the folder given as its argument, section by section (so that a run stopped by a
time limit still leaves what it finished):

- ``device_check.json``: the machine (device, torch, versions), then per section the figures;
- ``device_check.log``: the lines printed.

Sections:

1. ``speed_fp32`` and ``speed_bf16_cl``: ``gpu_check.measure`` (standard ResNet-18 epoch S,
   TRADES-10 epoch T, a PGD-AT-10 epoch (ART's numpy batches), PGD-20, and the standard
   AutoAttack per image on the TRADES model, each through the library and through bare torch /
   the authors' code), once in float32 and once with bfloat16 autocast and channels_last;
2. ``study``: a small study on generated CIFAR-shaped images (easycore, random and
   matched_random at fraction 0.3, standard and TRADES training, one seed, ResNet-18, PGD and
   AutoAttack), with ``n_jobs=1`` and then with ``--jobs`` cells at once on the device, whether
   the two give identical records, and the throughput of each.

On the GPU machine (``.device-site`` from ``../shared/device/site.sh``)::

    export PYTHONPATH=$PWD:$PWD/.device-site
    python3 benchmarks/device_check.py $OUT

and on the CPU::

    python benchmarks/device_check.py --quick /tmp/device_check
"""

import argparse
import json
import platform
import sys
import time
import traceback
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import gpu_check  # noqa: E402  (the benchmark beside this file)

from sk_easycore.experiments import run_study  # noqa: E402
from sk_easycore.utils import default_device  # noqa: E402


class Recorder:
    """Collects the sections' figures and lines; rewrites the JSON and the log after each."""

    def __init__(self, out):
        self.out = Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.results = {"machine": machine_facts(), "sections": {}}
        self.lines = []
        self.start = time.perf_counter()

    def log(self, line=""):
        line = f"[{time.perf_counter() - self.start:7.1f} s] {line}"
        print(line, flush=True)
        self.lines.append(line)

    def section(self, name, fn):
        """Run one section; a failure is recorded with its traceback and the next one runs."""
        self.log(f"== {name}")
        start = time.perf_counter()
        try:
            figures = fn()
            status = "ok"
        except Exception as exc:  # a broken section must not hide the others' figures
            figures = {"error": f"{type(exc).__name__}: {exc}",
                       "traceback": traceback.format_exc()}
            status = "failed"
            self.log(figures["traceback"])
        figures["status"] = status
        figures["wall_s"] = time.perf_counter() - start
        self.results["sections"][name] = figures
        self.log(f"== {name}: {status} in {figures['wall_s']:.1f} s")
        self.write()
        return figures

    def write(self):
        self.results["wall_s"] = time.perf_counter() - self.start
        (self.out / "device_check.json").write_text(json.dumps(self.results, indent=2,
                                                               default=str))
        (self.out / "device_check.log").write_text("\n".join(self.lines) + "\n")


def machine_facts():
    """What the numbers depend on: device, torch and its CPU kernels, library versions."""
    from importlib.metadata import PackageNotFoundError, version

    facts = {"python": platform.python_version(), "torch": torch.__version__,
             "device": default_device(), "torch_threads": torch.get_num_threads(),
             "cpu_capability": torch.backends.cpu.get_cpu_capability(),
             "date": time.strftime("%Y-%m-%d %H:%M:%S %Z")}
    if torch.cuda.is_available():
        facts.update(gpu=torch.cuda.get_device_name(), cuda=torch.version.cuda,
                     cudnn=torch.backends.cudnn.version(),
                     gpu_memory_gib=torch.cuda.get_device_properties(0).total_memory / 2**30)
    for package in ("numpy", "scikit-learn", "skorch", "imbalanced-learn",
                    "adversarial-robustness-toolbox", "pyautoattack", "torchvision"):
        try:
            facts[package] = version(package)
        except PackageNotFoundError:
            facts[package] = None
    return facts


def speed(args, recorder, precision):
    argv = ["--quick"] if args.quick else [
        "--n-train", str(args.n_train), "--n-trades", str(args.n_trades), "--n-pgd-at",
        str(args.n_pgd_at), "--n-test", str(args.n_pgd), "--epochs", "1"]
    if precision == "bf16_cl":
        argv += ["--bf16", "--channels-last"]
    else:  # AutoAttack's cost is taken once, in float32, like the study's evaluations
        argv += ["--autoattack-images", str(args.autoattack_images)]
    if args.threads:
        argv += ["--threads", str(args.threads)]
    return gpu_check.measure(gpu_check.parse_args(argv), log=recorder.log)


def study_data(args):
    n_train, n_test = (120, 20) if args.quick else (args.study_train, args.study_test)
    X, y = gpu_check.make_data(n_train, 10)
    X_test, y_test = gpu_check.make_data(n_test, 11)
    return X, y, X_test, y_test


def study_settings(args):
    """The study: the paper's CIFAR recipe at a few epochs (PGD-20 and AutoAttack at 8/255).

    ``--quick`` takes the small CNN instead of ResNet-18 (minutes on a CPU otherwise).
    """
    epochs = 1 if args.quick else args.study_epochs
    return dict(
        methods=["easycore", "random", "matched_random"], fractions=[0.3],
        regimes=["standard", "trades"], attacks=args.study_attacks.split(","), seeds=1,
        model="small_cnn" if args.quick else "resnet18", optimizer="sgd", lr=0.1, momentum=0.9, weight_decay=5e-4,
        batch_size=24 if args.quick else 200, scheduler="cosine", augment="crop_flip",
        epochs=epochs, proxy_epochs=epochs, eps=[8 / 255], train_eps=8 / 255,
        train_eps_step=2 / 255, train_max_iter=2 if args.quick else 10,
        eval_max_iter=2 if args.quick else 20, attack_batch_size=1000,
    )


def comparable(record):
    """What must not change with the number of cells running at once."""
    indices = None if record.sample_indices is None else np.asarray(record.sample_indices)
    return (record.key, None if indices is None else indices.tolist(),
            sorted((str(name), value) for name, value in record.metrics.items()))


def study(args, recorder):
    data = study_data(args)
    settings = study_settings(args)
    runs = {}
    for n_jobs in (1, args.jobs):
        out = Path(args.study_root or recorder.out) / f"study_jobs{n_jobs}"
        start = time.perf_counter()
        result = run_study(out, data, n_jobs=n_jobs, verbose=0, **settings)
        wall = time.perf_counter() - start
        cells = sum(1 for r in result.records if r.same_coreset_as is None)
        runs[n_jobs] = (result, wall)
        recorder.log(f"  n_jobs={n_jobs}: {len(result.records)} cells ({cells} trained) in "
                     f"{wall:.1f} s")
    (serial, serial_s), (parallel, parallel_s) = runs[1], runs[args.jobs]
    a = sorted(comparable(r) for r in serial.records)
    b = sorted(comparable(r) for r in parallel.records)
    identical = a == b
    differing = [x[0] for x, z in zip(a, b) if x != z]
    recorder.log(f"  identical records: {identical}; throughput gain with {args.jobs} cells at "
                 f"once: {serial_s / parallel_s:.2f}x")
    accuracies = {r.key: {str(name): value for name, value in r.metrics.items()}
                  for r in serial.records}
    return {"train_images": len(data[0]), "test_images": len(data[2]),
            "settings": {k: v for k, v in settings.items()}, "jobs": args.jobs,
            "serial_s": serial_s, "parallel_s": parallel_s,
            "throughput_gain": serial_s / parallel_s, "identical": identical,
            "differing_cells": differing, "metrics": accuracies}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", help="folder for device_check.json, device_check.log, studies")
    parser.add_argument("--quick", action="store_true", help="tiny sizes (CPU, the test suite)")
    parser.add_argument("--sections", default="speed_fp32,speed_bf16_cl,study",
                        help="comma-separated sections to run")
    parser.add_argument("--n-train", type=int, default=50000, help="images of a standard epoch")
    parser.add_argument("--n-trades", type=int, default=10000,
                        help="images of the timed TRADES epoch (scaled to --n-train)")
    parser.add_argument("--n-pgd-at", type=int, default=5000,
                        help="images of the PGD adversarial training (its numpy round trips)")
    parser.add_argument("--n-pgd", type=int, default=10000, help="images attacked by PGD-20")
    parser.add_argument("--autoattack-images", type=int, default=100,
                        help="images attacked by AutoAttack (0: skip)")
    parser.add_argument("--study-train", type=int, default=5000)
    parser.add_argument("--study-test", type=int, default=200)
    parser.add_argument("--study-epochs", type=int, default=3)
    parser.add_argument("--study-attacks", default="pgd,autoattack")
    parser.add_argument("--study-root", default=None,
                        help="folder of the two study folders (default: the output folder)")
    parser.add_argument("--jobs", type=int, default=2, help="cells at once in the second study")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    if args.quick:  # a surviving image costs AutoAttack minutes on a CPU ResNet-18
        args.autoattack_images, args.study_attacks = 0, "pgd"
    return args


def main(argv=None):
    args = parse_args(argv)
    recorder = Recorder(args.out)
    recorder.log(f"machine: {json.dumps(recorder.results['machine'])}")
    sections = {"speed_fp32": lambda: speed(args, recorder, "fp32"),
                "speed_bf16_cl": lambda: speed(args, recorder, "bf16_cl"),
                "study": lambda: study(args, recorder)}
    for name in args.sections.split(","):
        recorder.section(name, sections[name])
    failed = [name for name, s in recorder.results["sections"].items() if s["status"] != "ok"]
    recorder.log(f"done in {time.perf_counter() - recorder.start:.1f} s; failed sections: "
                 f"{failed or 'none'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
