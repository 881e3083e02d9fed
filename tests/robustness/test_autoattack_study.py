"""A study with --attacks pgd,autoattack --autoattack-samples N: each cell records the subset."""

import json

import numpy as np
import pytest

from sk_easycore.experiments import Recipe, StudyConfig, study_config
from sk_easycore.experiments._cells import Cell, CellTask, run_cell
from sk_easycore.experiments._data import resolve_data
from sk_easycore.experiments.cli import _parser
from sk_easycore.results import CellRecord, summary_markdown


def test_each_cell_records_the_same_subset_and_its_breakdown():
    config = study_config("digits", methods=["random"], attacks=["pgd", "autoattack"],
                          eps=[0.3], seeds=1, epochs=5, autoattack_samples=12)
    source = resolve_data("digits")
    records = [run_cell(CellTask(config, Cell("random", 0.1, "standard", seed), rows, source))
               for seed, rows in ((0, list(range(0, 1347, 10))), (1, list(range(5, 1347, 10))))]
    samples = []
    for record in records:
        record = CellRecord.from_dict(json.loads(json.dumps(record.to_dict(), sort_keys=True)))
        assert set(record.attack_details) == {"autoattack@0.3"}  # PGD saw every image
        detail = record.attack_details["autoattack@0.3"]
        assert detail["n_samples"] == len(detail["samples"]) == 12
        assert set(detail["broken_by"]) == {"clean", "apgd-ce", "apgd-t", "fab-t", "square"}
        broken = [i for rows in detail["broken_by"].values() for i in rows]
        assert set(broken) <= set(detail["samples"]) and len(broken) == len(set(broken))
        assert record.metrics["autoattack@0.3"] == pytest.approx(1 - len(broken) / 12)
        samples.append(detail["samples"])
    assert samples[0] == samples[1]  # the same images for every model
    assert len(np.unique(samples[0])) == 12
    assert "`autoattack` accuracies are on 12 test images" in summary_markdown(records)


def test_the_cli_flag_reaches_the_recipe_and_bad_values_are_refused():
    args = _parser().parse_args(["study", "--out", "x", "--attacks", "pgd,autoattack",
                                 "--autoattack-samples", "200"])
    assert args.autoattack_samples == 200
    assert study_config("digits", attacks=args.attacks,
                        autoattack_samples=args.autoattack_samples).recipe.autoattack_samples \
        == 200
    with pytest.raises(ValueError, match="autoattack_samples must be an int >= 1"):
        study_config("digits", attacks=["autoattack"], autoattack_samples=0)
    with pytest.raises(ValueError, match="clip_values"):
        StudyConfig.create("digits", "abc", Recipe(model="small_cnn", clip_values=None),
                           attacks=["pgd", "autoattack"])
