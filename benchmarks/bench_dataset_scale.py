"""Peak memory of AIGN scoring over an on-disk dataset, against plain skorch training.

``AIGNScorer.fit`` takes a map-style torch Dataset and never materialises it:
the net reads it batch by batch and the scorer's only per-sample memory is its
buffers (sums, counts, the current epoch's norms). This script checks that at a
size where materialising would show: by default 200,000 images of 3x16x16
uint8 (146 MiB on disk, 586 MiB as float32 in memory), in 10 classes (a
blocky class pattern at a random contrast, plus Gaussian noise: the samples of
low contrast stay unlearnable, the others a small CNN learns within an epoch).

The images are written chunk by chunk to ``images.npy`` in a temporary folder
and read through ``np.load(..., mmap_mode="r")`` (a ``numpy.memmap``) by a
Dataset returning ``(float32 tensor in [0, 1], label)`` with a ``targets``
attribute. Then, each in a fresh process (so that the peak RSS,
``getrusage(RUSAGE_SELF).ru_maxrss``, belongs to one measurement), the same
net (SmallCNN, batch 256, SGD, ``train_split=None``, identically seeded):

(a) ``plain``: ``net.fit(dataset, None)``, the baseline;
(b) ``train``: ``AIGNScorer(net, keep_history=False).fit(dataset, None)``;
(c) ``eval``: the same with ``mode="eval"`` (an extra eval pass per epoch);
(d) ``dynamics``: ``TrainingDynamics(net, keep_outputs=False)`` (plus its
    final eval pass for EL2N and GraNd);
(a') ``plain`` again, last: the run-to-run noise of the baseline.

Each prints its peak RSS, wall time and CPU time (the process's own, which
other work on a shared machine disturbs less than the wall time). For (b)-(d)
it prints the extra peak RSS over (a) and the ratios to (a), beside the
per-sample buffers the code allocates (``BUFFERS`` below, bytes per sample
times n) and the size of the dataset: the extra memory is the buffers, not the
data. A sampling thread splits each peak into anonymous memory and file-backed
pages: the memmap's pages, once read, are resident file-backed pages
(reclaimable page cache) and count in the peak RSS of every variant alike,
the baseline's included.

    python benchmarks/bench_dataset_scale.py [--n 200000] [--epochs 1] [--keep-history]
        [--threads 1] [--quick]
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import torch
from skorch import NeuralNetClassifier
from torch.utils.data import Dataset

from sk_easycore.models import SmallCNN
from sk_easycore.scoring import AIGNScorer, TrainingDynamics
from sk_easycore.utils import int_seed, torch_seed

SHAPE = (3, 16, 16)
N_CLASSES = 10
SEED = 0
CHUNK = 8192
MIB = 2.0 ** 20
LABELS = {
    "plain": "plain skorch fit",
    "train": "AIGNScorer(mode='train')",
    "eval": "AIGNScorer(mode='eval')",
    "dynamics": "TrainingDynamics(keep_outputs=False)",
    "plain_again": "plain skorch fit (again)",
}
SCORERS = ("train", "eval", "dynamics")

# Per-sample arrays each fit holds beyond plain training, read off the code, in bytes per
# sample and grouped by the phase in which they are alive together. Not counted: skorch's
# and the DataLoader's own (the baseline has them too), and temporaries freed before a phase.
_LABELS_Y = {"encoded labels (int64, AIGNScorer.fit)": 8}
_SUMS = {"sum_ (float64)": 8, "count_ (int64)": 8}
# InputGradientRecorder._commit: ~isnan(norms) (bool, and its temporary), sum_[seen] (float64
# copy), norms[seen] (float32 copy); DynamicsRecorder._commit_dynamics makes as many.
_COMMIT = {"commit temporaries": 2 + 8 + 4}
_DYNAMICS = {"loss_sum_, dynamics_count_, forgetting_events_ (8 each)": 24,
             "learned_, _was_correct (bool)": 2}
BUFFERS = {
    "train": {
        "epoch end": {**_LABELS_Y, **_SUMS, "epoch norms (float32 tensor)": 4, **_COMMIT},
        "end of fit": {**_LABELS_Y, **_SUMS, "scores_ (float64)": 8},
    },
    "eval": {
        "epoch end": {**_LABELS_Y, **_SUMS, "eval-pass norms (float32)": 4, **_COMMIT},
        "end of fit": {**_LABELS_Y, **_SUMS, "scores_ (float64)": 8},
    },
    "dynamics": {
        "epoch end": {**_LABELS_Y, **_SUMS, "epoch norms (float32 tensor)": 4, **_COMMIT,
                      **_DYNAMICS, "loss, el2n, grand, correct of the epoch (float32)": 16},
        # TrainingDynamics._set_fitted's final forward_outputs, with the recorder still alive.
        "end of fit": {**_LABELS_Y, **_SUMS, **_DYNAMICS,
                       "scores_, loss_, forgetting_ (float64)": 24,
                       "el2n, grand of forward_outputs (float64)": 16},
    },
}
# keep_history=True adds float32 rows per recorded epoch and sample: the AIGN row (and
# DynamicsRecorder's four statistic rows) during training, and at the end of the fit also
# np.stack's copies of them all. (The dynamics' latest rows are its epoch buffers, counted
# above too: an upper estimate by 16 bytes.)
HISTORY = {"train": {"epoch end": 4, "end of fit": 8},
           "eval": {"epoch end": 4, "end of fit": 8},
           "dynamics": {"epoch end": 20, "end of fit": 40}}


def expected_bytes_per_sample(variant, epochs, keep_history):
    """The most bytes per sample that one phase of ``BUFFERS`` holds (plain training: 0)."""
    if variant not in BUFFERS:
        return 0
    history = HISTORY[variant] if keep_history else {}
    return max(sum(buffers.values()) + history.get(phase, 0) * epochs
               for phase, buffers in BUFFERS[variant].items())


class MemmapImages(Dataset):
    """``(float32 image in [0, 1], label)`` items read from a uint8 ``.npy`` memmap."""

    def __init__(self, folder):
        self.images = np.load(Path(folder) / "images.npy", mmap_mode="r")
        self.targets = np.load(Path(folder) / "labels.npy")

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        x = torch.from_numpy(np.array(self.images[i], dtype=np.float32)).div_(255.0)
        return x, int(self.targets[i])


def write_dataset(folder, n, seed=SEED):
    """Write ``n`` labelled images to ``folder`` chunk by chunk; return the images' path."""
    rng = np.random.default_rng(seed)
    # One blocky 3x16x16 pattern per class (4x4 cells), zero mean, unit scale.
    patterns = np.kron(rng.standard_normal((N_CLASSES, SHAPE[0], 4, 4)), np.ones((4, 4)))
    patterns = (patterns / np.abs(patterns).max(axis=(1, 2, 3), keepdims=True)).astype(np.float32)
    labels = rng.integers(0, N_CLASSES, n).astype(np.int64)
    path = Path(folder) / "images.npy"
    with open(path, "wb") as f:
        header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.uint8)),
                  "fortran_order": False, "shape": (n, *SHAPE)}
        np.lib.format.write_array_header_1_0(f, header)
        for start in range(0, n, CHUNK):
            y = labels[start:start + CHUNK]
            contrast = rng.uniform(0.0, 0.8, (len(y), 1, 1, 1)).astype(np.float32)
            noise = rng.standard_normal((len(y), *SHAPE), dtype=np.float32)
            images = 0.5 + contrast * patterns[y] + 0.25 * noise
            f.write((np.clip(images, 0.0, 1.0) * 255.0).round().astype(np.uint8).tobytes())
    np.save(Path(folder) / "labels.npy", labels)
    return path


def make_net(epochs, width):
    return NeuralNetClassifier(
        SmallCNN, module__in_channels=SHAPE[0], module__n_classes=N_CLASSES,
        module__width=width, module__hidden=4 * width,
        criterion=torch.nn.CrossEntropyLoss, optimizer=torch.optim.SGD, lr=0.05,
        optimizer__momentum=0.9, max_epochs=epochs, batch_size=256, train_split=None,
        iterator_train__shuffle=True, device="cpu", verbose=0,
    )


def proc_status():
    """``/proc/self/status`` memory fields in bytes (Linux)."""
    fields = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "RssShmem"):
                fields[key] = int(value.split()[0]) * 1024
    return fields


class PeakSampler:
    """A thread polling ``/proc/self/status`` to split the peak into anonymous and file pages."""

    def __init__(self, interval=0.01):
        self.interval = interval
        self.peak = {"RssAnon": 0, "RssFile": 0}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def _sample(self):
        status = proc_status()
        for key in self.peak:
            self.peak[key] = max(self.peak[key], status.get(key, 0))

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self._sample()


def run_variant(variant, net, dataset, keep_history):
    """Fit ``variant`` on ``dataset``; return what it did (loss, samples scored, ...)."""
    seed = int_seed(SEED)  # the scorers' own draw, so that (a) starts from the same weights
    if variant in ("plain", "plain_again"):
        with torch_seed(seed):
            net.fit(dataset, None)
        return {"train_loss": float(net.history[-1, "train_loss"])}
    if variant == "dynamics":
        scorer = TrainingDynamics(net, keep_outputs=False, keep_history=keep_history,
                                  random_state=SEED)
    else:
        scorer = AIGNScorer(net, mode=variant, keep_history=keep_history, random_state=SEED)
    scorer.fit(dataset, None)
    facts = {
        "train_loss": float(scorer.net_.history[-1, "train_loss"]),
        "n_scores": int(len(scorer.scores_)),
        "n_finite": int(np.isfinite(scorer.scores_).sum()),
        "recorded_epochs": scorer.recorded_epochs_.tolist(),
        "history_shape": None if scorer.aign_history_ is None else scorer.aign_history_.shape,
    }
    if variant == "dynamics":
        facts["learned"] = float(scorer.learned_.mean())
        facts["n_el2n"] = int(np.isfinite(scorer.el2n_).sum())
    return facts


def measure(args):
    """One measurement in this process: print one ``RESULT {json}`` line."""
    torch.set_num_threads(args.threads)
    dataset = MemmapImages(args.data)
    net = make_net(args.epochs, args.width)
    start_rss = proc_status()["VmRSS"]
    with PeakSampler() as sampler:
        start, start_cpu = time.perf_counter(), time.process_time()
        facts = run_variant(args.measure, net, dataset, args.keep_history)
        wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
    result = {
        "variant": args.measure, "wall": wall, "cpu": cpu, "start_rss": start_rss,
        "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,  # KiB on Linux
        "vm_hwm": proc_status()["VmHWM"], "peak_anon": sampler.peak["RssAnon"],
        "peak_file": sampler.peak["RssFile"], **facts,
    }
    print("RESULT " + json.dumps(result), flush=True)


def spawn(variant, folder, args):
    # Every process runs this file, so all import the same modules: equal RSS before the fit.
    command = [sys.executable, __file__, "--measure", variant, "--data", str(folder),
               "--epochs", str(args.epochs), "--threads", str(args.threads),
               "--width", str(args.width)] + (["--keep-history"] if args.keep_history else [])
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads), "TQDM_DISABLE": "1"}
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise RuntimeError(f"the {variant!r} measurement failed (exit {done.returncode})")
    line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
    return json.loads(line[len("RESULT "):])


def mib(n_bytes):
    return f"{n_bytes / MIB:.1f} MiB"


def report(result):
    facts = f"train loss {result['train_loss']:.4f}"
    if "n_scores" in result:
        facts += (f"; scored {result['n_finite']} of {result['n_scores']} samples, recorded "
                  f"epochs {result['recorded_epochs']}")
        if result["history_shape"] is not None:
            facts += f", history {tuple(result['history_shape'])}"
    if "learned" in result:
        facts += (f", EL2N for {result['n_el2n']}, learned at some epoch "
                  f"{100 * result['learned']:.1f}%")
    print(f"  {LABELS[result['variant']]:<37} peak RSS {mib(result['peak_rss'])} (anonymous "
          f"{mib(result['peak_anon'])}, file-backed {mib(result['peak_file'])}; "
          f"{mib(result['start_rss'])} before the fit), wall {result['wall']:.1f} s (CPU "
          f"{result['cpu']:.1f} s), {facts}")


def compare(result, plain, n, data_bytes, args):
    extra = result["peak_rss"] - plain["peak_rss"]
    extra_anon = result["peak_anon"] - plain["peak_anon"]
    per_sample = expected_bytes_per_sample(result["variant"], args.epochs, args.keep_history)
    print(f"  {LABELS[result['variant']]:<37} peak RSS {extra / MIB:+.1f} MiB "
          f"({result['peak_rss'] / plain['peak_rss']:.3f}x), anonymous {extra_anon / MIB:+.1f} "
          f"MiB, wall {result['wall'] / plain['wall']:.2f}x, CPU "
          f"{result['cpu'] / plain['cpu']:.2f}x | expected per-sample buffers {per_sample} B x "
          f"{n} = {mib(per_sample * n)} | dataset on disk {mib(data_bytes)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200_000, help="images (default 200000)")
    parser.add_argument("--epochs", type=int, default=1, help="training epochs (default 1)")
    parser.add_argument("--keep-history", action="store_true",
                        help="keep the scorers' per-epoch history (default: running sums)")
    parser.add_argument("--quick", action="store_true", help="2048 images, to check it runs")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--width", type=int, default=8, help="SmallCNN width (default 8)")
    parser.add_argument("--measure", choices=list(LABELS), help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        return measure(args)
    n = 2048 if args.quick else args.n

    print(f"torch {torch.__version__}, {args.threads} thread(s), load average "
          f"{' '.join(f'{v:.2f}' for v in os.getloadavg())} at the start")
    with tempfile.TemporaryDirectory(prefix="bench_dataset_scale_") as folder:
        start = time.perf_counter()
        path = write_dataset(folder, n)
        data_bytes = path.stat().st_size
        images = np.load(path, mmap_mode="r")
        print(f"dataset: {n} images {'x'.join(map(str, images.shape[1:]))} {images.dtype}, "
              f"{N_CLASSES} classes, written in {time.perf_counter() - start:.1f} s")
        print(f"memmap file {path.name}: {data_bytes} bytes = {mib(data_bytes)} (labels "
              f"{mib((Path(folder) / 'labels.npy').stat().st_size)}; as float32 in memory "
              f"{mib(4 * images[0].size * n)})")
        del images
        print(f"net: SmallCNN(width={args.width}, hidden={4 * args.width}), batch 256, "
              f"{args.epochs} epoch(s), keep_history={args.keep_history}; one process each")
        results = {v: spawn(v, folder, args) for v in ("plain", *SCORERS, "plain_again")}
    for result in results.values():
        report(result)
    plain = results["plain"]
    print("extra over the plain fit (same run):")
    for variant in (*SCORERS, "plain_again"):
        compare(results[variant], plain, n, data_bytes, args)
    print(f"load average {' '.join(f'{v:.2f}' for v in os.getloadavg())} at the end")


if __name__ == "__main__":
    main()
