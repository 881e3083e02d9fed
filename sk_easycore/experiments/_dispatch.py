"""Running a study's cells: one task per distinct coreset, here, in processes or on Dask.

The cells of one run become tasks (:func:`plan_tasks`): a :class:`CellTask` per distinct
coreset, a :class:`GrowTask` per finished cell asked for new metrics; the cells repeating
another's coreset become copies of its record. :func:`run_tasks` runs them serially, in
worker processes (sharing the GPUs of ``devices``) or on a Dask cluster, and writes each
record (and the model's weights, when kept) as it arrives.
"""

import dataclasses
import hashlib
import logging
import os
from contextlib import ExitStack, nullcontext

import numpy as np
from joblib import Parallel, delayed, parallel_config
from tqdm.auto import tqdm

from ..results import FULL
from ._cells import Cell, CellTask, train_cell
from ._devices import claimed_device, open_slots, resolve_devices
from ._grow import GrowTask, grow_cell, model_weights

__all__ = ["copy_record", "placement", "plan_tasks", "rewrite_copies", "run_tasks"]

logger = logging.getLogger("sk_easycore.experiments")


def _coreset_key(regime, seed, indices):
    return (regime, seed, hashlib.sha1(np.ascontiguousarray(indices, np.int64)).hexdigest())


def plan_tasks(config, pending, finished, selections, source, net, grow=()):
    """The tasks of one round: ``(tasks, copies)``.

    One :class:`CellTask` per distinct coreset of the ``pending`` cells, and the
    :class:`GrowTask` of ``grow``; ``copies`` maps a cell's key to the cells
    recorded as its copies (``(cell, select_s)``): the pending cells repeating its
    coreset, and, for a cell that grows, the copies the folder holds of it.
    """
    known = {}
    for record in finished.values():
        if record.sample_indices is not None and record.same_coreset_as is None:
            known[_coreset_key(record.regime, record.seed, record.sample_indices)] = record.key
    tasks, copies = list(grow), {}
    for record in finished.values():
        if record.same_coreset_as is not None:
            copies.setdefault(record.same_coreset_as, []).append(
                (Cell(record.method, record.fraction, record.regime, record.seed),
                 record.timings.get("select_s", 0.0)))
    # only the copies of a cell whose record changes are written again
    copies = {k: v for k, v in copies.items() if k in {t.record.key for t in grow}}
    for cell in pending:
        if cell.method == FULL:
            tasks.append(CellTask(config, cell, None, source, net))
            continue
        indices, select_s = selections[(cell.method, cell.fraction, cell.seed)]
        key = _coreset_key(cell.regime, cell.seed, indices)
        if key in known:
            copies.setdefault(known[key], []).append((cell, select_s))
            continue
        known[key] = cell.key
        tasks.append(CellTask(config, cell, indices, source, net, select_s))
    return tasks, copies


def copy_record(record, cell, select_s):
    """The record of ``cell``, whose coreset is ``record``'s: its metrics, its own selection."""
    timings = {**record.timings, "select_s": float(select_s)}
    return dataclasses.replace(record, method=cell.method, fraction=cell.fraction, key=cell.key,
                               same_coreset_as=record.key, timings=timings)


def rewrite_copies(store, record, records):
    """Write again, from ``record``, every record of ``records`` that is a copy of it."""
    for copy in records:
        if copy.same_coreset_as == record.key:
            cell = Cell(copy.method, copy.fraction, copy.regime, copy.seed)
            store.save_cell(copy_record(record, cell, copy.timings.get("select_s", 0.0)))


def placement(devices, dask_scheduler):
    """The CUDA devices the cells of this machine run on (none for Dask: the worker's own)."""
    if dask_scheduler is not None:
        if devices is not None:
            raise ValueError("devices places the cells of --n-jobs on this machine; a Dask "
                             "worker uses the GPU it sees (start one per GPU with "
                             "CUDA_VISIBLE_DEVICES=i).")
        return []
    return resolve_devices(devices)


def _run_one(task, threads, slots=None, keep=False):
    """Run one task: ``(record, the model's weights when kept, a note to log or None)``."""
    if threads is not None:  # a worker process: share the cores among the workers
        import torch

        torch.set_num_threads(threads)
    # in a slot, this process's "cuda" is the slot's GPU for the cell
    with nullcontext() if slots is None else claimed_device(slots):
        if isinstance(task, GrowTask):
            record, model, note = grow_cell(task)
        else:
            (record, model), note = train_cell(task), None
        return record, model_weights(model) if keep and model is not None else None, note


def _ready(task, store):
    """A task as it travels: a growing cell carries its kept weights (read only now)."""
    if isinstance(task, GrowTask):
        path = store.model_path(task.record.key)
        return dataclasses.replace(task, weights=path.read_bytes() if path.is_file() else None)
    return task


def run_tasks(tasks, copies, store, n_jobs, dask_scheduler, verbose, devices=(), keep=True):
    """Run the tasks, writing each record, its copies and (``keep``) its model's weights."""
    finished = {r.key: r for r in store.load_cells()}
    changing = {t.record.key for t in tasks if isinstance(t, GrowTask)}
    for source_key in [k for k in copies if k in finished and k not in changing]:
        for cell, select_s in copies.pop(source_key):
            store.save_cell(copy_record(finished[source_key], cell, select_s))
    threads = None  # serial: leave the caller's torch threads alone
    n_workers = 1
    if dask_scheduler is not None:
        threads = 1  # a Dask worker runs one cell per worker thread
    elif n_jobs != 1:
        n_workers = n_jobs if n_jobs > 0 else (os.cpu_count() or 1)
        threads = max(1, (os.cpu_count() or 1) // n_workers)
    n_cells = len(tasks) + sum(len(c) for c in copies.values())
    bar = tqdm(total=n_cells, desc="cells", unit="cell", disable=not verbose)
    with ExitStack() as stack:
        slots = open_slots(devices, n_workers, stack)
        if dask_scheduler is not None:
            from distributed import Client

            stack.enter_context(Client(dask_scheduler))
            stack.enter_context(parallel_config(backend="dask"))
            n_jobs = -1
        # a generator: each growing cell's weights are read when its task is sent
        results = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
            delayed(_run_one)(_ready(task, store), threads, slots, keep) for task in tasks)
        for record, weights, note in results:
            if note:
                logger.warning("%s", note)
            trained = not (record.key in changing and note is None)
            if trained:  # weights kept of an earlier model of this cell are not this one's
                store.model_path(record.key).unlink(missing_ok=True)
            store.save_cell(record)
            if weights is not None:  # a cell without its weights is trained again to grow
                store.save_model(record.key, weights)
            store.release(record.key)
            bar.set_postfix_str(record.key)
            bar.update(1)
            if not trained:
                logger.info("%s: measured %s on its kept weights", record.key,
                            ", ".join(record.added[-1]["metrics"]))
            else:
                logger.info("finished %s in %.1f s", record.key, record.timings["total_s"])
            for cell, select_s in copies.pop(record.key, []):
                store.save_cell(copy_record(record, cell, select_s))
                store.release(cell.key)
                bar.update(1)
                logger.info("%s: the same coreset as %s, trained once", cell.key, record.key)
    bar.close()
