"""Time and peak memory of every selector's selection step, on synthetic embeddings.

No network is trained: ``X`` *is* a matrix of synthetic penultimate embeddings
(Gaussian class clusters, float32) and a fixed proxy, :class:`LinearProxy`,
serves them as ``embeddings_``, with the probabilities, EL2N, GraNd, loss and
a stand-in AIGN of a fixed linear classifier on top (its skorch net is what
DeepFool attacks). The proxy is fitted once before the timings (selectors
reuse it through the fitted-scorer cache), so each row measures one
selector's ``fit`` on a ready proxy: hashing ``X`` for the cache lookup plus
the selection itself.

Memory, two measures per selector:

- ``traced``: the peak of Python and numpy allocations during the selection
  (``tracemalloc``; numpy reports its buffers to it; torch tensors and BLAS
  work buffers are not seen);
- ``peak RSS``: the process's resident-set high-water mark during the
  selection (Linux ``VmHWM``, reset before every selector through
  ``/proc/self/clear_refs``; where that is unavailable, ``ru_maxrss`` of
  ``resource.getrusage``, the peak since the process started). It includes
  everything resident: the interpreter, torch, the data and the proxy's arrays.

Beside them, what one dense n x n float64 similarity matrix over the whole
training set would take (the memory trap of the reference implementation).

    python benchmarks/bench_selectors.py [--sizes 5000 50000] [--fraction 0.1] [--global]
                                         [--threads 1] [--quick]
"""

import argparse
import gc
import resource
import time
import tracemalloc

import numpy as np
import torch
from skorch import NeuralNetClassifier
from sklearn.base import BaseEstimator
from threadpoolctl import threadpool_info, threadpool_limits

from sk_easycore import clear_score_cache
from sk_easycore import selection as sel


class LinearProxy(BaseEstimator):
    """Serve ``X`` as embeddings and a fixed linear classifier's outputs on them; no training."""

    def __init__(self, n_classes=10, random_state=0):
        self.n_classes = n_classes
        self.random_state = random_state

    def fit(self, X, y):
        rng = np.random.RandomState(self.random_state)
        X = np.asarray(X, dtype=np.float32)
        d = X.shape[1]
        weight = (0.3 * rng.randn(self.n_classes, d) / np.sqrt(d)).astype(np.float32)
        for label in range(self.n_classes):  # the class means point the way
            weight[label] += X[y == label].mean(axis=0) / d
        bias = np.zeros(self.n_classes, dtype=np.float32)
        logits = X @ weight.T
        logits -= logits.max(axis=1, keepdims=True)
        probas = np.exp(logits)
        probas /= probas.sum(axis=1, keepdims=True)
        onehot = np.eye(self.n_classes, dtype=np.float32)[y]
        self.classes_ = np.arange(self.n_classes)
        self.embeddings_, self.probas_ = X, probas
        self.el2n_ = np.linalg.norm(probas - onehot, axis=1).astype(np.float64)
        self.grand_ = self.el2n_ * np.sqrt((X.astype(np.float64) ** 2).sum(axis=1) + 1)
        self.loss_ = -np.log(np.clip(probas[np.arange(len(y)), y], 1e-12, None)).astype(float)
        self.scores_ = rng.gamma(2.0, size=len(y))  # stand-in for AIGN
        self.forgetting_ = rng.poisson(1.0, size=len(y)).astype(np.float64)
        layer = torch.nn.Linear(d, self.n_classes)
        with torch.no_grad():
            layer.weight.copy_(torch.as_tensor(weight))
            layer.bias.copy_(torch.as_tensor(bias))
        self.net_ = NeuralNetClassifier(layer, criterion=torch.nn.CrossEntropyLoss, verbose=0)
        self.net_.initialize()
        return self


def make_embeddings(n, d, n_classes, seed=0):
    rng = np.random.RandomState(seed)
    y = np.arange(n) % n_classes
    centers = rng.randn(n_classes, d).astype(np.float32)
    X = rng.randn(n, d).astype(np.float32)
    X += 2.0 * centers[y]
    return X, y


def selectors(proxy, fraction, class_balanced=True):
    kw = dict(frac=fraction, class_balanced=class_balanced, random_state=0)
    easy = sel.EasyCoreSelector(proxy, **kw)
    if not class_balanced:  # the greedy methods over all rows: the memory trap of a global n x n
        return [sel.HerdingSelector(proxy, **kw), sel.KCenterGreedySelector(proxy, **kw),
                sel.ContextualDiversitySelector(proxy, **kw), sel.CALSelector(proxy, **kw),
                sel.GraphCutSelector(proxy, **kw), sel.FacilityLocationSelector(proxy, **kw),
                sel.GlisterSelector(proxy, **kw)]
    return [
        sel.RandomSelector(**kw), sel.EasyCoreSelector(proxy, **kw),
        sel.HardCoreSelector(proxy, **kw),
        sel.MatchedRandomSelector(easy, random_state=0),
        sel.GraNdSelector(proxy, **kw), sel.EL2NSelector(proxy, **kw),
        sel.ForgettingSelector(proxy, **kw),
        sel.UncertaintySelector(proxy, method="least_confidence", **kw),
        sel.UncertaintySelector(proxy, method="entropy", **kw),
        sel.UncertaintySelector(proxy, method="margin", **kw),
        sel.DeepFoolSelector(proxy, clip_values=None, **kw),
        sel.ModerateSelector(proxy, **kw), sel.CALSelector(proxy, **kw),
        sel.HerdingSelector(proxy, **kw), sel.KCenterGreedySelector(proxy, **kw),
        sel.ContextualDiversitySelector(proxy, **kw),
        sel.GraphCutSelector(proxy, **kw), sel.FacilityLocationSelector(proxy, **kw),
        sel.GlisterSelector(proxy, **kw),
    ]


def _reset_peak_rss():
    """Reset the kernel's RSS high-water mark; False where that is not possible."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _peak_rss_mb(resettable):
    if resettable:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _name(selector):
    name = type(selector).__name__.replace("Selector", "")
    method = selector.get_params().get("method")
    name = f"{name}({method})" if method else name
    return name if selector.get_params().get("class_balanced", True) else name + " [global]"


def _current_rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def bench(n, d, n_classes, fraction, class_balanced=True):
    X, y = make_embeddings(n, d, n_classes)
    proxy = LinearProxy(n_classes=n_classes, random_state=0)
    clear_score_cache()
    sel.HardCoreSelector(proxy, frac=fraction, random_state=0).fit(X, y)  # fit the proxy once
    dense_gb = n * n * 8 / 1e9
    scope = "per class" if class_balanced else "over all rows"
    print(f"\nn = {n}, d = {d}, {n_classes} classes, fraction {fraction} {scope}: data "
          f"{X.nbytes / 2**20:.0f} MB; a dense global float64 n x n matrix would need "
          f"{dense_gb:.1f} GB")
    print(f"resident before the selections (interpreter, torch, data, proxy): "
          f"{_current_rss_mb():.0f} MB")
    print(f"{'selector':32s} {'time (s)':>9s} {'traced (MB)':>12s} {'peak RSS (MB)':>14s}")
    worst = 0.0
    for selector in selectors(proxy, fraction, class_balanced):
        gc.collect()
        resettable = _reset_peak_rss()
        tracemalloc.start()
        start = time.perf_counter()
        selector.fit(X, y)
        elapsed = time.perf_counter() - start
        _, traced = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss = _peak_rss_mb(resettable)
        worst = max(worst, rss)
        print(f"{_name(selector):32s} {elapsed:9.2f} {traced / 2**20:12.1f} {rss:14.0f}"
              f"{'' if resettable else ' (process peak so far)'}", flush=True)
    print(f"largest peak RSS at n = {n}: {worst:.0f} MB "
          f"({'under' if worst < 2048 else 'OVER'} the 2 GB target)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5000, 50000])
    parser.add_argument("--dim", type=int, default=512)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--fraction", type=float, default=0.1)
    parser.add_argument("--quick", action="store_true", help="n = 2000, d = 64: a check")
    parser.add_argument("--global", dest="global_", action="store_true",
                        help="also run the greedy methods with class_balanced=False (slow at 50k)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch and BLAS threads (default: theirs); 1 is steadier when busy")
    args = parser.parse_args()
    sizes, dim = ([2000], 64) if args.quick else (args.sizes, args.dim)
    if args.threads:
        torch.set_num_threads(args.threads)
        threadpool_limits(args.threads)
    blas = ", ".join(f"{p['internal_api']} {p['num_threads']} threads" for p in threadpool_info())
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; numpy {np.__version__}, "
          f"{blas}")
    for n in sizes:
        bench(n, dim, args.classes, args.fraction)
        if args.global_:
            bench(n, dim, args.classes, args.fraction, class_balanced=False)


if __name__ == "__main__":
    main()
