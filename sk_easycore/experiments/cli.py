"""The ``sk-easycore`` command: run a study, compute scores once, print a study's report.

Arguments are parsed before anything heavy is imported: ``--help`` never imports torch,
scikit-learn or ART.
"""

import argparse
import importlib
import logging
import sys

__all__ = ["main"]

DESCRIPTION = """\
Compare coreset selection methods by the robustness of the models trained on their coresets.

  sk-easycore study   run (or resume) a study: every method x fraction x regime x seed
  sk-easycore score   train a study's scoring proxy once and save its scores to an .npz
  sk-easycore report  print a study's summary again and write it as Markdown, CSV and figures

Run `sk-easycore <command> --help` for the options of each command.
"""

STUDY_EPILOG = """\
examples:
  sk-easycore study --data digits --methods easycore,random,el2n --fractions 0.1,0.3 \\
      --seeds 3 --out results/digits
  sk-easycore study --data mydata.npz --model mymodule:make_net --out results/mine
  sk-easycore study --data imagefolder:~/images --epochs 20 --out results/images
  sk-easycore study --data cifar10 --data-root ~/data --regimes standard,trades \\
      --out results/cifar10          # the paper's recipe: 300 epochs of ResNet-18 (GPU)

Every cell (method, fraction, regime, seed) is written to <out>/cells/ as soon as it is done;
running the same command again skips finished cells. A folder holding a different
configuration, other data or another network is refused. Runs of the same study may share
one folder (each cell runs once); a damaged cell file is moved to <out>/damaged/ and its
cell runs again. When easycore is among the
methods, its class-matched random control (matched_random) is added, and the full-data
model is always a row. Random coresets at the --frontier fractions are trained too: the
summary reads every method's robust accuracy against them at its own clean accuracy. Logs go to <out>/study.log; the terminal shows progress bars,
warnings and errors (--quiet: errors only).
"""


def _floats(text):
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}")


def _frontier(text):
    if text.strip().lower() == "none":
        return []
    return _floats(text)


def _names(text):
    return [v.strip() for v in text.split(",") if v.strip()]


def _seeds(text):
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a count or comma-separated seeds, got {text!r}")
    if len(values) == 1 and "," not in text:
        return values[0]  # a count
    return values


def _recipe_table():
    from ._registry import recipe_for, registered_datasets

    lines = ["per-dataset defaults (override with the options above):",
             f"  {'data':<12} {'model':<13} {'epochs':>6} {'proxy':>5} {'batch':>5} "
             f"{'lr':>6}  eval eps"]
    for name in registered_datasets():
        recipe = recipe_for(name)
        if recipe is None:
            lines.append(f"  {name:<12} chosen from the data (see docs/study.md)")
            continue
        eps = ",".join(f"{e:.3g}" for e in recipe.eps)
        lines.append(f"  {name:<12} {recipe.model:<13} {recipe.epochs:>6} {recipe.proxy_epochs:>5} "
                     f"{recipe.batch_size:>5} {recipe.lr:>6g}  {eps}")
    lines.append("  other data   small_cnn (images), small_cnn1d (signals) or small_mlp (tables), "
                 "30 epochs, proxy 20, eps by the data's scale")
    return "\n".join(lines)


def _add_data_args(parser):
    from ..models import MODELS
    from ._registry import registered_datasets

    names = ", ".join(registered_datasets())
    data = parser.add_argument_group("data and network")
    data.add_argument("--data", metavar="DATA",
                      help=f"a registered dataset ({names}; default: digits, embedded), an "
                      "FILE.npz with X_train, y_train, X_test, y_test, or imagefolder:ROOT "
                      "(ROOT/train and ROOT/test, one folder per class)")
    data.add_argument("--dataset", metavar="NAME", help="the same as --data NAME")
    data.add_argument("--data-root", metavar="FOLDER",
                      help="folder a registered dataset is read from (CIFAR: the folder "
                      "holding cifar-10-batches-py/ or cifar-100-python/); nothing is "
                      "downloaded")
    data.add_argument("--model", metavar="MODEL",
                      help=f"the network: one of {', '.join(MODELS)}, or package.module:factory "
                      "(a function (n_classes, X_example) -> skorch NeuralNetClassifier, or a "
                      "net; importable from the current folder). A factory's module is "
                      "imported and runs, with your permissions, in this process and every "
                      "worker: name only code you trust")
    recipe = parser.add_argument_group("training recipe (defaults depend on the data)")
    recipe.add_argument("--recipe", choices=["paper", "fast"],
                        help="a named recipe instead of the data's: paper (the CIFAR recipe, "
                        "300 epochs, cosine) or fast (its 40-epoch one-cycle screening "
                        "version); recorded in every cell, never mixed in one folder")
    recipe.add_argument("--epochs", type=int, metavar="N",
                        help="epochs of every target model trained on the full data (coreset "
                        "models: see --budget)")
    recipe.add_argument("--proxy-epochs", type=int, metavar="N",
                        help="epochs of the proxy that computes AIGN and the other scores")
    recipe.add_argument("--batch-size", type=int, metavar="N", help="rows per training batch")
    recipe.add_argument("--lr", type=float, help="learning rate of the optimizer")
    recipe.add_argument("--weight-decay", type=float,
                        help="weight decay of the optimizer (L2 penalty)")
    recipe.add_argument("--augment", choices=["none", "crop_flip"],
                        help="training augmentation on the device (CIFAR's default: crop_flip)")
    recipe.add_argument("--precision", choices=["fp32", "bf16"],
                        help="bf16: the recipe's model under bfloat16 autocast (GPU fast path)")
    recipe.add_argument("--channels-last", action="store_true", default=None,
                        help="channels_last weights and batches (ResNet on a GPU)")
    recipe.add_argument("--compile", action="store_true", default=None,
                        help="compile the recipe's model with torch.compile (GPU)")


def _data_and_net(args):
    data = args.data or args.dataset or "digits"
    if args.data and args.dataset and args.data != args.dataset:
        raise ValueError("give the data once: --data or --dataset, not both.")
    net, overrides = None, {}
    if args.model is not None:
        from ..models import MODELS

        if args.model in MODELS:
            overrides["model"] = args.model
        elif ":" in args.model:
            net = _import_factory(args.model)
        else:
            raise ValueError(f"--model must be one of {', '.join(MODELS)} or "
                             f"package.module:factory; got {args.model!r}.")
    overrides.update({"epochs": args.epochs, "proxy_epochs": args.proxy_epochs,
                      "batch_size": args.batch_size, "lr": args.lr,
                      "weight_decay": args.weight_decay, "augment": args.augment,
                      "precision": args.precision, "channels_last": args.channels_last,
                      "compile": args.compile, "recipe": args.recipe})
    return data, net, {k: v for k, v in overrides.items() if v is not None}


def _import_factory(spec):
    module_name, _, attr = spec.partition(":")
    if "" not in sys.path and "." not in sys.path:
        sys.path.insert(0, "")  # a factory module in the current folder, as python -m finds it
    try:
        module = importlib.import_module(module_name)
        target = getattr(module, attr)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"--model {spec}: cannot import {attr!r} from {module_name!r} "
                         f"({exc}).") from None
    import cloudpickle

    # worker processes and Dask workers may not find the module: send it with the cells
    cloudpickle.register_pickle_by_value(module)
    return target


def _parser():
    parser = argparse.ArgumentParser(
        prog="sk-easycore", description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    from ._config import DEFAULT_FRONTIER
    from ._methods import METHODS

    study = sub.add_parser(
        "study", help="run or resume a study", epilog=STUDY_EPILOG + "\n" + _recipe_table(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run (or resume) a comparison of coreset methods by robustness.")
    study.add_argument("--out", required=True,
                       help="the study folder (created if missing; a study folder given more "
                       "seeds, methods, fractions, attacks or eps grows: only the new cells "
                       "and metrics run)")
    _add_data_args(study)
    study.add_argument("--methods", type=_names, default=["easycore", "random"],
                       help="comma-separated, from: " + ", ".join(METHODS)
                       + " (default: easycore,random)")
    study.add_argument("--fractions", type=_floats, default=[0.1, 0.3, 0.5],
                       help="coreset sizes as fractions in (0, 1) (default: 0.1,0.3,0.5)")
    study.add_argument("--frontier", type=_frontier, metavar="LIST",
                       default=None,
                       help="fractions of the random-coreset frontier: random coresets at "
                       "each, against which every method's robust accuracy is read at its own "
                       "clean accuracy (default: "
                       f"{','.join(f'{f:g}' for f in DEFAULT_FRONTIER)}, less those that keep "
                       "no row of a class; none: no frontier)")
    study.add_argument("--regimes", type=_names, default=["standard"],
                       help="training regimes: standard, trades, pgd (default: standard)")
    study.add_argument("--attacks", type=_names, default=["fgsm", "pgd"],
                       help="evaluation attacks: fgsm, pgd, autoattack (the standard suite), "
                       "autoattack_art (ART's default suite) (default: fgsm,pgd)")
    study.add_argument("--autoattack-samples", type=int, metavar="N",
                       help="run autoattack on N test images only: a stratified subset, the "
                       "same for every model (default: every test image)")
    study.add_argument("--eps", type=_floats,
                       help="L-inf budgets in input units, pixels in [0, 1] "
                       "(default: the data's recipe, see below)")
    study.add_argument("--seeds", type=_seeds, default=3,
                       help="a count (3: seeds 0,1,2) or comma-separated seeds (0,5,7) "
                       "(default: 3)")
    study.add_argument("--budget", choices=["epochs", "steps"], default="epochs",
                       help="a coreset model trains as many epochs as the full-data model "
                       "(epochs, default) or as many optimizer steps (steps)")
    study.add_argument("--scoring-runs", type=int, default=1,
                       help="average the proxy's per-sample scores (AIGN, EL2N, GraNd, "
                       "forgetting, loss) over this many seeds (default: 1)")
    study.add_argument("--global-selection", action="store_true",
                       help="rank all rows together instead of within each class")
    study.add_argument("--scores", metavar="FILE",
                       help="an .npz written by `sk-easycore score`: every method reads its "
                       "proxy from it instead of training one")
    study.add_argument("--n-jobs", type=int, default=1,
                       help="run cells in this many processes on this machine (default: 1); "
                       "on a CUDA machine they share the GPUs of --devices, dealt round-robin")
    study.add_argument("--devices", metavar="LIST",
                       help="CUDA devices the cells run on, e.g. cuda:0,cuda:1 (default: every "
                       "visible one)")
    study.add_argument("--dry-run", action="store_true",
                       help="train nothing, write nothing: print the cells still to run, their "
                       "epochs and attack work, and the device time estimated from a few "
                       "timed batches of each path on this device")
    study.add_argument("--no-keep-models", dest="keep_models", action="store_false",
                       help="do not keep each cell's trained weights in OUT/models/ (kept by "
                       "default: a ResNet-18 takes 45 MB per cell; a later run adding attacks "
                       "or eps measures them on these weights instead of training again)")
    study.add_argument("--dask-scheduler", metavar="ADDRESS",
                       help="send cells to a running Dask distributed scheduler "
                       "(pip install 'sk-easycore[dask]')")
    study.add_argument("--quiet", action="store_true",
                       help="print nothing but errors and the final table (no progress bars)")

    score = sub.add_parser(
        "score", help="compute and save scores once", epilog=_recipe_table(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Train a study's scoring proxy once on the training split and save its "
        "per-sample scores (AIGN, EL2N, GraNd, forgetting, loss), outputs and weights to an "
        ".npz, to reuse with `sk-easycore study --scores FILE`.")
    _add_data_args(score)
    score.add_argument("--out", required=True, help="the .npz file to write")
    score.add_argument("--seed", type=int, default=0,
                       help="the study seed whose proxy is trained (default: 0); a study "
                       "given the file selects what its seed-SEED proxy would select")
    score.add_argument("--quiet", action="store_true", help="no progress bar")

    report = sub.add_parser("report", help="print and write a study's summary",
                            description="Print a study folder's summary table and write "
                            "summary.md, summary.csv, differences.csv and its figures beside "
                            "its cells.")
    report.add_argument("folder", help="a study folder (the --out of `sk-easycore study`)")
    return parser


def _setup_logging(quiet):
    handler = logging.StreamHandler()
    handler.setLevel(logging.ERROR if quiet else logging.WARNING)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logging.basicConfig(level=logging.ERROR if quiet else logging.WARNING, handlers=[handler],
                        force=True)


def main(argv=None):
    """Entry point of ``sk-easycore``; returns the exit status."""
    args = _parser().parse_args(argv)
    quiet = getattr(args, "quiet", False)
    _setup_logging(quiet)
    if quiet:
        import warnings

        warnings.simplefilter("ignore")
    try:
        if args.command == "study":
            from ._study import run_study

            data, net, overrides = _data_and_net(args)
            result = run_study(
                args.out, data, net=net, data_root=args.data_root, n_jobs=args.n_jobs,
                dask_scheduler=args.dask_scheduler, devices=args.devices,
                dry_run=args.dry_run, keep_models=args.keep_models, verbose=0 if quiet else 1,
                methods=args.methods, fractions=args.fractions, regimes=args.regimes,
                attacks=args.attacks, eps=args.eps, seeds=args.seeds, budget=args.budget,
                scoring_runs=args.scoring_runs, class_balanced=not args.global_selection,
                scores=args.scores,
                **({} if args.frontier is None else {"frontier": args.frontier}),
                autoattack_samples=args.autoattack_samples, **overrides)
            print(result if args.dry_run else result.markdown())
        elif args.command == "score":
            from ._scores import save_scores

            data, net, overrides = _data_and_net(args)
            path = save_scores(args.out, data, net=net, data_root=args.data_root,
                               seed=args.seed, verbose=0 if quiet else 1, **overrides)
            print(f"wrote {path}")
        else:
            from ._report import write_report

            result = write_report(args.folder)
            if not result.records:
                print(f"{args.folder} holds no finished cells yet.")
            else:
                print(result.markdown())
            for name, reason in result.damaged:
                print(f"left out cells/{name}: {reason} (the next `sk-easycore study` run "
                      "sets it aside and runs its cell again)")
            if result.files:
                print(f"wrote summary.md, summary.csv, differences.csv and the figures (.png) "
                      f"in {result.out}")
            elif result.records:
                print(f"{result.out} is read-only: summary files and figures not written")
    except (ValueError, TypeError, OSError) as exc:  # OSError: one line naming the path
        print(f"sk-easycore: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
