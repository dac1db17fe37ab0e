"""The `latent-explorer` command (installed by the README's first command, from pyproject.toml):

    latent-explorer publish CHECKPOINT... --out DIR [--data-dir DIR]
    latent-explorer import FILE [--decoder FILE] [--class MODULE:CLASS --kwargs JSON] [--dataset mnist]
                           [--kind KIND] [--out PATH] [--data-dir DIR]

also run as `python -m ae publish ...`, `python -m ae import ...`.
"""
from __future__ import annotations

import argparse
import os
import sys


def publish(args) -> int:
    from tqdm import tqdm

    from .checkpoint import CheckpointError
    from .data import DATA_DIR_ENV
    from .site import PublishError, publish_site

    from .site import STEPS_PER_MODEL
    bar = tqdm(total=STEPS_PER_MODEL * len(args.checkpoints) + 1, unit="step", file=sys.stderr,
               bar_format="{l_bar}{bar:24}| {n_fmt}/{total_fmt} [{elapsed}]")

    def progress(what: str) -> None:
        bar.set_description_str(what[:48].ljust(48))
        bar.update()

    try:
        site = publish_site(args.checkpoints, args.out, data_dir=args.data_dir or os.environ.get(DATA_DIR_ENV),
                            progress=progress)
    except (PublishError, CheckpointError, OSError) as e:
        bar.close()
        print(f"latent-explorer publish: {e}", file=sys.stderr)
        return 2
    bar.set_description_str("done".ljust(48))
    bar.update(bar.total - bar.n)  # models sharing a dataset share one atlas: fewer steps than counted
    bar.close()
    print(site.summary())
    return 0


def import_file(args) -> int:
    from tqdm import tqdm

    from .checkpoint import CheckpointError
    from .data import DATA_DIR_ENV
    from .importer import ImportProblem, import_model

    bar = tqdm(total=100, unit="%", file=sys.stderr, bar_format="{l_bar}{bar:24}| [{elapsed}]")

    def progress(what: str, fraction: float) -> None:
        bar.set_description_str(what[:40].ljust(40))
        bar.update(round(100 * fraction) - bar.n)

    try:
        done = import_model(args.file, dataset=args.dataset, kind=args.kind, out=args.out,
                            data_dir=args.data_dir or os.environ.get(DATA_DIR_ENV), decoder=args.decoder,
                            class_path=args.class_path, kwargs=args.kwargs, progress=progress)
    except (ImportProblem, CheckpointError, OSError) as e:
        bar.close()
        print(f"latent-explorer import: {e}", file=sys.stderr)
        return 2
    bar.close()
    print(done.summary())
    print("Open it in the app (it is listed with the models of its dataset), or publish it: "
          f"latent-explorer publish {done.path} --out site")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="latent-explorer", description="Latent Explorer's command line.")
    sub = p.add_subparsers(dest="command", required=True)
    pub = sub.add_parser("publish", help="write a static site (any web host, or opened from disk) for checkpoints",
                         description="Write a self-contained folder exploring the given checkpoints in any browser: "
                                     "hover and click decoding, shading, the replay, nearest real images, the drawing pad. "
                                     "Serve it from any static web host, or open its index.html from disk.")
    pub.add_argument("checkpoints", nargs="+", metavar="CHECKPOINT", help="checkpoint files (.pt) with a 2-D latent space "
                                                                          "(larger ones are shown in their principal plane)")
    pub.add_argument("--out", required=True, metavar="DIR", help="the folder to write (new, empty, or an earlier site)")
    pub.add_argument("--data-dir", metavar="DIR", help="where the datasets are, for the nearest-image atlas "
                                                       "(default: $AE_DATA_DIR, then the usual places)")
    pub.set_defaults(run=publish)
    from .data import DATASETS
    from .importer import KINDS

    imp = sub.add_parser("import", help="open a model made elsewhere (the book's Keras models, a PyTorch autoencoder)",
                         description="Read a model file (the book's Keras autoencoder or VAE: .h5 from save_weights, "
                                     ".weights.h5 or .keras; a PyTorch autoencoder of 28x28 greyscale images: "
                                     "torch.export .pt2 or TorchScript, or a state_dict with --class), encode the "
                                     "dataset with it and write a checkpoint that every page of the app opens. "
                                     "No pickled code in a file is run.")
    imp.add_argument("file", metavar="FILE", help="the model file (for PyTorch programs saved apart: the encoder)")
    imp.add_argument("--decoder", metavar="FILE", help="the decoder's .pt2 or TorchScript file, when saved apart from the encoder")
    imp.add_argument("--class", dest="class_path", metavar="MODULE:CLASS",
                     help="for a state_dict: the model's class (your code, imported), with encode/decode methods "
                          "or encoder/decoder submodules")
    imp.add_argument("--kwargs", metavar="JSON", help="for --class: its keyword arguments as a JSON object")
    imp.add_argument("--dataset", default="mnist", choices=sorted(DATASETS), help="the images it was trained on (default mnist)")
    imp.add_argument("--kind", choices=KINDS, help="the kind of file (default: found from its bytes)")
    imp.add_argument("--out", metavar="PATH", help="the checkpoint to write (default: a new name in trained/)")
    imp.add_argument("--data-dir", metavar="DIR", help="where the datasets are (default: $AE_DATA_DIR, then the usual places)")
    imp.set_defaults(run=import_file)
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
