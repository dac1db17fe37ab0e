"""A small MNIST / Fashion-MNIST classifier: the judge of decoded images.

Its confidence (the softmax probability of its top class) on a decoded image is the app's quality
score: a decoding that looks like a clear digit gets a confident reading, a smudge from a gap does not.

    python -m ae.classifier --dataset mnist --epochs 4 --out checkpoints/mnist_classifier.pt
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from .checkpoint import CheckpointError, CheckpointForeign, CheckpointMismatch, read_payload, write_atomically
from .data import DATASETS, DataUnavailable, load_images

FORMAT_NAME = "latent-explorer-classifier"
FORMAT_VERSION = 1


class Classifier(nn.Module):
    """Two convolution blocks and a dense head (the classic Keras MNIST example, with batch-norm)."""

    def __init__(self, n_classes: int = 10):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Dropout(0.3), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.3),
            nn.Linear(128, n_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)

    def loss(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """The training objective on a batch: cross-entropy on the images shifted together by up to
        2 pixels each way, which makes the judge robust to off-centre decodings."""
        dx, dy = (int(v) for v in torch.randint(-2, 3, (2,)))
        return nn.functional.cross_entropy(self(torch.roll(x, shifts=(dy, dx), dims=(2, 3))), labels)


@dataclass
class LoadedClassifier:
    """A classifier read from its file, with what it was trained on and how well it reads the test set."""
    model: Classifier
    dataset: str
    test_accuracy: float
    path: Path | None = None


@torch.inference_mode()
def predict(model: Classifier, images, batch_size: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 28, 28) or (N, 1, 28, 28) in [0, 1] -> (predicted class, confidence) arrays."""
    x = torch.as_tensor(np.asarray(images, dtype=np.float32))
    if x.ndim == 2:
        x = x[None]
    if x.ndim == 3:
        x = x[:, None]
    model.eval()
    labels, confidence = [], []
    for i in range(0, len(x), batch_size):
        p = torch.softmax(model(x[i:i + batch_size]), dim=1)
        c, k = p.max(dim=1)
        labels.append(k)
        confidence.append(c)
    if not labels:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    return torch.cat(labels).numpy(), torch.cat(confidence).numpy()


@torch.inference_mode()
def features(model: Classifier, images, batch_size: int = 1000) -> np.ndarray:
    """The classifier's 128-d penultimate features (after the hidden layer's ReLU) of images in [0, 1]:
    the space in which `ae.quality.realism_scores` compares decodings with real images. (N, 128)."""
    x = torch.as_tensor(np.asarray(images, dtype=np.float32))
    x = x.reshape(-1, 1, *x.shape[-2:])
    model.eval()
    body = model.net[:-2]  # up to the last ReLU: drop the final dropout and the class layer
    out = [body(x[i:i + batch_size]) for i in range(0, len(x), batch_size)]
    return torch.cat(out).numpy() if out else np.zeros((0, model.net[-1].in_features), np.float32)


def save_classifier(path, model: Classifier, dataset: str, test_accuracy: float) -> Path:
    return write_atomically(path, {
        "format": FORMAT_NAME, "format_version": FORMAT_VERSION, "dataset": dataset,
        "test_accuracy": float(test_accuracy),
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
    })


def load_classifier(path) -> LoadedClassifier:
    path = Path(path)
    raw = read_payload(path)
    if not isinstance(raw, dict) or raw.get("format") != FORMAT_NAME:
        raise CheckpointForeign(f"{path.name} is not a Latent Explorer classifier; train one with "
                                f"`python -m ae.classifier --out {path}`.")
    model = Classifier()
    try:
        model.load_state_dict(raw["state_dict"])
    except (KeyError, RuntimeError) as e:
        raise CheckpointMismatch(f"{path.name}: the classifier weights do not fit ({str(e).splitlines()[0]}).") from None
    model.eval()
    return LoadedClassifier(model, str(raw.get("dataset", "mnist")), float(raw.get("test_accuracy", float("nan"))), path)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m ae.classifier", description=__doc__.split("\n\n")[0])
    p.add_argument("--dataset", choices=sorted(DATASETS), default="mnist")
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--data-dir", type=Path)
    p.add_argument("--limit", type=int, help="train on the first N images only (quick tries)")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args(argv)
    try:
        train = load_images(args.dataset, "train", data_dir=args.data_dir)
        test = load_images(args.dataset, "test", data_dir=args.data_dir)
    except DataUnavailable as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    from .train import make_scheduler, train_epoch  # the autoencoders' loop, with labels

    images, labels = train.images[:args.limit], train.labels[:args.limit]
    torch.manual_seed(args.seed)
    model = Classifier(len(train.classes))
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    scheduler = make_scheduler(optimizer, "onecycle", args.lr, args.epochs * -(-len(images) // args.batch_size))
    device = torch.device("cpu")
    started = time.perf_counter()
    try:
        for epoch in range(args.epochs):
            with tqdm(total=len(images), desc=f"epoch {epoch + 1}/{args.epochs}", unit="img",
                      disable=args.quiet, file=sys.stderr) as bar:
                train_epoch(model, images, optimizer, device, batch_size=args.batch_size, labels=labels,
                            generator=torch.Generator().manual_seed(args.seed + epoch), scheduler=scheduler,
                            progress=bar)
            predicted, _ = predict(model, test.images)
            accuracy = float((predicted == test.labels.numpy()).mean())
            print(f"epoch {epoch + 1}/{args.epochs}: test accuracy {accuracy:.4f}")
            save_classifier(args.out, model, args.dataset, accuracy)
    except KeyboardInterrupt:
        print("\nInterrupted; the last completed epoch is saved.", file=sys.stderr)
        return 130
    except CheckpointError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(f"Done in {time.perf_counter() - started:.0f} s: test accuracy {accuracy:.4f}. Saved {args.out}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
