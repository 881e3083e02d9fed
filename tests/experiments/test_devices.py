"""Cells on several GPUs: the device list, its round-robin slots, and one slot per running cell.

No GPU here: the devices are a fake list and the slot's device is never made current.
"""

import contextlib
import time
from contextlib import ExitStack

import pytest
from joblib import Parallel, delayed

from sk_easycore.experiments import run_study
from sk_easycore.experiments._devices import (claimed_device, device_slots, open_slots,
                                              resolve_devices)


def test_device_names_are_checked_against_the_visible_ones():
    assert resolve_devices(None, n_visible=0) == []  # a CPU machine: cells on the CPU
    assert resolve_devices(None, n_visible=2) == ["cuda:0", "cuda:1"]
    assert resolve_devices(["cuda:1"], n_visible=2) == ["cuda:1"]
    for bad, message in (("gpu0", "'gpu0' is not a CUDA device name"),
                         ("cuda:0,cuda:0", "each device once"),
                         ("cuda:3", "cuda:3 is not visible \\(2 CUDA devices"),
                         ("", "at least one CUDA device")):
        with pytest.raises(ValueError, match=message):
            resolve_devices(bad, n_visible=2)


def test_slots_are_dealt_round_robin():
    assert device_slots(["cuda:0", "cuda:1", "cuda:2"], 4) == [
        "cuda:0", "cuda:1", "cuda:2", "cuda:0"]
    assert device_slots(["cuda:0"], 3) == ["cuda:0"] * 3


def _hold(i, slots):
    with claimed_device(slots, select=lambda device: contextlib.nullcontext()) as device:
        start = time.monotonic()
        time.sleep(0.3)
        return i, device, start, time.monotonic()


def test_each_running_cell_holds_its_own_slot_across_processes():
    devices = ["cuda:0", "cuda:1"]
    with ExitStack() as stack:
        slots = open_slots(devices, 2, stack)  # a manager's queue, shared by the workers
        runs = Parallel(n_jobs=2)(delayed(_hold)(i, slots) for i in range(6))
        left = sorted(slots.get() for _ in range(2))
    assert left == devices  # every slot given back
    assert sorted(i for i, *_ in runs) == list(range(6))
    for i, device, start, end in runs:
        for j, other, other_start, other_end in runs:
            if i != j and start < other_end and other_start < end:  # ran at the same time
                assert device != other
    assert {device for _, device, _, _ in runs} == set(devices)


def test_devices_are_refused_before_anything_runs(tmp_path):
    # this machine has no GPU: naming one fails at once, and nothing is written
    with pytest.raises(ValueError, match="cuda:0 is not visible \\(no CUDA device"):
        run_study(tmp_path / "study", "digits", devices="cuda:0", n_jobs=2)
    with pytest.raises(ValueError, match="CUDA_VISIBLE_DEVICES"):
        run_study(tmp_path / "study", "digits", devices="cuda:0",
                  dask_scheduler="tcp://127.0.0.1:1")
    assert not (tmp_path / "study").exists()
