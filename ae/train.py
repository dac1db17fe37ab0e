"""Training loop and the `python -m ae.train` command line.

    python -m ae.train --dataset mnist --z-dim 2 --epochs 12 --out checkpoints/mnist_ae_z2.pt

Every completed epoch is saved atomically, so killing the run loses at most the epoch in progress,
and `--resume` continues from the last completed one. With the same seed and settings on the CPU,
a run (interrupted and resumed or not) gives the same weights, as long as torch uses the same float
kernels: an AVX-512 CPU sums in another order than an AVX2 one unless capped with
ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 (how the shipped MNIST models were rebuilt).
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from .checkpoint import CheckpointError, load_checkpoint, remove_leftovers, save_checkpoint
from .data import DATASETS, DataUnavailable, load_images
from .latent import encode
from .model import AEConfig, Autoencoder, build_model

# The chapter's settings (Adam 5e-4, batch 32, constant rate) and the recipe the shipped checkpoints
# use; see README "Training".
CHAPTER = dict(lr=5e-4, batch_size=32, schedule="constant", batch_norm=False)
SHIPPED = dict(lr=3e-3, batch_size=128, schedule="onecycle", batch_norm=True)


def pick_device(name: str = "auto") -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def make_scheduler(optimizer, schedule: str, lr: float, total_steps: int):
    if schedule == "onecycle":
        return torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=lr, total_steps=total_steps)
    if schedule == "constant":
        return None
    raise ValueError(f"unknown schedule {schedule!r}")


def train_epoch(model: nn.Module, images: torch.Tensor, optimizer, device, *, batch_size: int,
                generator: torch.Generator, scheduler=None, progress: tqdm | None = None,
                deadline: float | None = None, on_batch=None, should_stop=None,
                labels: torch.Tensor | None = None, memory_format=torch.contiguous_format) -> float:
    """One pass over `images` in a shuffled order, minimising `model.loss(batch)` (an autoencoder's
    objective), or `model.loss(batch, batch_labels)` when `labels` are given (the classifier's);
    returns the mean loss per image.

    `memory_format`: the batches' layout (torch.channels_last for a model converted to it).
    With a `deadline` (a time.perf_counter() value) the pass stops early once it is reached, and
    when `should_stop()` returns True. `on_batch(images_seen, batch_loss)` runs after every step.
    """
    model.train()
    order = torch.randperm(len(images), generator=generator)
    total, seen = 0.0, 0
    for start in range(0, len(images), batch_size):
        batch = order[start:start + batch_size]
        x = images[batch].to(device, memory_format=memory_format)
        loss = model.loss(x) if labels is None else model.loss(x, labels[batch].to(device))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        total += loss.item() * len(x)
        seen += len(x)
        if progress is not None:
            progress.update(len(x))
            progress.set_postfix(loss=f"{total / seen:.4f}", refresh=False)
        if on_batch is not None:
            on_batch(seen, loss.item())
        if (deadline is not None and time.perf_counter() >= deadline) or (should_stop is not None and should_stop()):
            break
    return total / max(seen, 1)


@torch.inference_mode()
def reconstruction_errors(model: Autoencoder, images: torch.Tensor, device, batch_size: int = 1000) -> np.ndarray:
    """Per-image mean per-pixel MSE of the reconstructions of `images`, as float32 (N,)."""
    model.eval()
    errors = [((model(x) - x) ** 2).flatten(1).mean(1).float().cpu()
              for x in (images[i:i + batch_size].to(device) for i in range(0, len(images), batch_size))]
    return torch.cat(errors).numpy() if errors else np.zeros(0, np.float32)


def evaluate(model: Autoencoder, images: torch.Tensor, device, batch_size: int = 1000) -> float:
    """Mean per-pixel MSE of the reconstructions of `images`."""
    errors = reconstruction_errors(model, images, device, batch_size)
    return float(errors.astype(np.float64).mean()) if len(errors) else 0.0


def layer_sizes(text: str) -> tuple[int, ...]:
    """'512,128' -> (512, 128), for --dense-units."""
    try:
        sizes = tuple(int(v) for v in text.split(","))
    except ValueError:
        sizes = ()
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected positive sizes separated by commas, e.g. 512,128, not {text!r}")
    return sizes


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ae.train", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--dataset", choices=sorted(DATASETS), default="mnist", help="which images to train on")
    p.add_argument("--model", choices=["ae", "vae"], default="ae", help="plain or variational autoencoder")
    p.add_argument("--beta", type=float, default=1.0, help="VAE: weight of the KL term")
    p.add_argument("--z-dim", type=int, default=2, help="size of the latent code (the app plots 2)")
    p.add_argument("--epochs", type=int, default=12, help="passes over the training images")
    p.add_argument("--out", type=Path, required=True, help="checkpoint file to write")
    p.add_argument("--recipe", choices=["shipped", "chapter"], default="shipped",
                   help="defaults for lr, batch size, schedule and batch-norm")
    p.add_argument("--batch-size", type=int, help="images per step (default: the recipe's)")
    p.add_argument("--lr", type=float, help="learning rate (peak rate for --schedule onecycle)")
    p.add_argument("--schedule", choices=["constant", "onecycle"], help="learning-rate schedule (default: the recipe's)")
    p.add_argument("--batch-norm", action=argparse.BooleanOptionalAction, default=None,
                   help="batch-norm after each convolution (default: the recipe's)")
    p.add_argument("--dropout", type=float, default=0.0, help="dropout rate after each convolution")
    p.add_argument("--dense-units", type=layer_sizes, default=(), metavar="SIZES",
                   help="dense hidden layers instead of the convolutions, e.g. 512,128 (the Train page's fast recipe)")
    p.add_argument("--seed", type=int, default=0, help="same seed and settings on the same kind of CPU: same weights")
    p.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:1, ...")
    p.add_argument("--data-dir", type=Path, help="folder of idx files (else $AE_DATA_DIR, else download)")
    p.add_argument("--limit", type=int, help="train on the first N training images only (quick tries)")
    p.add_argument("--test-limit", type=int, help="measure the test loss on the first N test images only")
    p.add_argument("--resume", action="store_true", help="continue the run saved in --out")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    return p


def parse_args(argv=None) -> argparse.Namespace:
    p = build_parser()
    args = p.parse_args(argv)
    recipe = SHIPPED if args.recipe == "shipped" else CHAPTER
    for key, value in recipe.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    if args.epochs < 1 or args.batch_size < 1 or args.lr <= 0:
        p.error("--epochs and --batch-size must be positive and --lr above zero")
    return args


# The settings that define a run; on --resume they come from the checkpoint, not the command line.
RUN_KEYS = ("dataset", "model", "beta", "z_dim", "batch_size", "lr", "schedule", "batch_norm", "dropout", "dense_units",
            "seed", "limit", "test_limit")


def run(args: argparse.Namespace) -> Path:
    device = pick_device(args.device)
    torch.manual_seed(args.seed)
    for tmp in remove_leftovers(args.out):  # an interrupted save's temporary files
        print(f"Removed {tmp.name}, left by an interrupted save.")
    history: list[dict] = []
    state = None
    if args.resume and args.out.exists():
        ckpt = load_checkpoint(args.out)
        saved = ckpt.train_args
        if ckpt.train_state is None or not saved:
            raise CheckpointError(f"{args.out} holds no training state to resume from.")
        for key in RUN_KEYS:
            setattr(args, key, saved.get(key, getattr(args, key)))
        if args.schedule == "onecycle" and args.epochs != saved["epochs"]:
            raise CheckpointError(f"{args.out} was trained with a {saved['epochs']}-epoch one-cycle "
                                  f"schedule; resume with --epochs {saved['epochs']}.")
        model, history, state = ckpt.model, ckpt.history, ckpt.train_state
        snapshots = [] if ckpt.snapshots is None else list(ckpt.snapshots)
        print(f"Resuming {args.out} after epoch {len(history)} of {args.epochs}.")
    else:
        cfg = AEConfig(z_dim=args.z_dim, use_batch_norm=args.batch_norm, dropout=args.dropout,
                       variational=args.model == "vae", beta=args.beta, dense_units=args.dense_units)
        model = build_model(cfg)
        snapshots = []

    train = load_images(args.dataset, "train", data_dir=args.data_dir)
    test = load_images(args.dataset, "test", data_dir=args.data_dir)
    if args.limit:
        train.images, train.labels = train.images[:args.limit], train.labels[:args.limit]
    if args.test_limit:
        test.images, test.labels = test.images[:args.test_limit], test.labels[:args.test_limit]

    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    steps_per_epoch = -(-len(train.images) // args.batch_size)
    scheduler = make_scheduler(optimizer, args.schedule, args.lr, args.epochs * steps_per_epoch)
    if state is not None:
        optimizer.load_state_dict(state["optimizer"])
        if scheduler is not None:
            scheduler.load_state_dict(state["scheduler"])
    run_args = {k: getattr(args, k) for k in RUN_KEYS} | {"epochs": args.epochs}
    params = sum(p.numel() for p in model.parameters())
    print(f"{DATASETS[args.dataset]['title']}: {len(train.images)} train / {len(test.images)} test images; "
          f"{params:,} parameters; {args.schedule} lr {args.lr:g}, batch {args.batch_size}, device {device}.")

    if not snapshots and not history:
        # Frame 0 of the replay: where the untrained encoder puts the test images. Encoding in eval
        # mode draws no random numbers, so the run's weights are the same with or without it.
        snapshots.append(encode(model, test.images))
    started = time.perf_counter()
    for epoch in range(len(history), args.epochs):
        # Seeding per epoch makes a resumed run draw the same batches (and dropout) as an unbroken one.
        torch.manual_seed(args.seed * 10_000 + epoch)
        generator = torch.Generator().manual_seed(args.seed * 10_000 + epoch)
        t0 = time.perf_counter()
        with tqdm(total=len(train.images), desc=f"epoch {epoch + 1}/{args.epochs}", unit="img",
                  disable=args.quiet, leave=True, file=sys.stderr) as bar:
            train_loss = train_epoch(model, train.images, optimizer, device, batch_size=args.batch_size,
                                     generator=generator, scheduler=scheduler, progress=bar)
            # The bar is full but the epoch is not done: say what the next seconds are spent on.
            bar.set_postfix_str(f"loss {train_loss:.4f}; measuring the test loss...", refresh=True)
            test_errors = reconstruction_errors(model, test.images, device)
            test_loss = float(test_errors.astype(np.float64).mean())
            bar.set_postfix_str(f"loss {train_loss:.4f}, test {test_loss:.4f}; encoding "
                                f"{len(train.images) + len(test.images):,} images for the checkpoint...", refresh=True)
            train_codes, test_codes = encode(model, train.images), encode(model, test.images)
            bar.set_postfix(loss=f"{train_loss:.4f}", test=f"{test_loss:.4f}")
        if len(snapshots) == len(history) + 1:  # a run resumed from an old checkpoint has no frames
            snapshots.append(test_codes)
        history.append({"epoch": epoch + 1, "train_loss": train_loss, "test_loss": test_loss,
                        "seconds": time.perf_counter() - t0})
        if args.quiet:
            print(f"epoch {epoch + 1}/{args.epochs}: train {train_loss:.4f}  test {test_loss:.4f}")
        save_checkpoint(
            args.out, model=model, dataset=args.dataset, history=history, model_type=args.model,
            train_codes=train_codes, train_labels=train.labels.numpy(),
            test_codes=test_codes, test_labels=test.labels.numpy(),
            test_errors=test_errors, train_args=run_args,
            snapshots=np.stack(snapshots) if len(snapshots) == len(history) + 1 else None,
            train_state={"optimizer": optimizer.state_dict(),
                         "scheduler": scheduler.state_dict() if scheduler is not None else None})
    best = min(history, key=lambda h: h["test_loss"]) if history else None
    if best:
        print(f"Done: {plural(len(history), 'epoch')}, test MSE {history[-1]['test_loss']:.4f} "
              f"(best {best['test_loss']:.4f} at epoch {best['epoch']}); "
              f"{time.perf_counter() - started:.0f} s this run. Saved {args.out}.")
    return args.out


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        run(args)
    except (DataUnavailable, CheckpointError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\nInterrupted. Completed epochs are saved in {args.out}; continue with --resume.",
              file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
