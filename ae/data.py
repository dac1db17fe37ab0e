"""Getting MNIST and Fashion-MNIST as tensors.

`load_images(name, split)` returns an `ImageSet` with float images in [0, 1], shaped (N, 1, 28, 28).
Where the data comes from, in order:
1. a local folder of the four standard idx files (`.gz` or extracted), given as `data_dir` or in the
   `AE_DATA_DIR` environment variable (there, flat files are MNIST; other datasets go in their own
   subfolder: `fashion/` or torchvision's `FashionMNIST/raw`);
2. for Fashion-MNIST, Debian's `dataset-fashion-mnist` folder, if installed;
3. torchvision's dataset class, which downloads into the cache folder for a user who is online.
When none works, `DataUnavailable` says how to get the data.
"""
from __future__ import annotations

import gzip
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import torch

DATA_DIR_ENV = "AE_DATA_DIR"
DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "latent-explorer"

DATASETS = {
    "mnist": {
        "title": "MNIST",
        "torchvision": "MNIST",
        "classes": [str(d) for d in range(10)],
        "item": "digit", "items": "digits",
        "system_dirs": [],
    },
    "fashion": {
        "title": "Fashion-MNIST",
        "torchvision": "FashionMNIST",
        "classes": ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
        "item": "item", "items": "items of clothing",
        "system_dirs": [Path("/usr/share/datasets/fashion-mnist")],
    },
}

IDX_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


class DataUnavailable(RuntimeError):
    """The dataset could not be found or downloaded; the message says how to get it."""


@dataclass
class ImageSet:
    images: torch.Tensor  # float32 (N, 1, 28, 28) in [0, 1]
    labels: torch.Tensor  # int64 (N,)
    classes: list[str]
    name: str
    split: str

    def __len__(self) -> int:
        return len(self.labels)


def class_names(name: str) -> list[str]:
    return list(_spec(name)["classes"])


def dataset_title(name: str) -> str:
    """The dataset's display name ('MNIST', 'Fashion-MNIST')."""
    return _spec(name)["title"]


def item_words(name: str) -> tuple[str, str]:
    """What one image shows and what many show, for sentences: ('digit', 'digits')."""
    spec = _spec(name)
    return spec["item"], spec["items"]


def _spec(name: str) -> dict:
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {sorted(DATASETS)}")
    return DATASETS[name]


def read_idx(path: str | Path) -> np.ndarray:
    """Read one idx file (optionally gzip-compressed) of unsigned bytes into an array."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DataUnavailable(f"{path} is not an idx file of unsigned bytes")
    ndim = raw[3]
    header = 4 + 4 * ndim
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    expected = int(np.prod(dims)) if dims else 0
    data = np.frombuffer(raw, dtype=np.uint8, offset=header)
    if data.size != expected:
        raise DataUnavailable(f"{path} is truncated or damaged: expected {expected} values, found {data.size}")
    return data.reshape(dims)


def _find_idx(folder: Path, stem: str) -> Path | None:
    """An idx file by its standard name (compressed or not) in `folder`."""
    for suffix in ("", ".gz"):
        candidate = folder / (stem + suffix)
        if candidate.is_file():
            return candidate
    return None


def load_idx_folder(folder: str | Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """Images (N, 28, 28) uint8 and labels (N,) from a folder of idx files."""
    folder = Path(folder)
    image_stem, label_stem = IDX_FILES[split]
    image_path, label_path = _find_idx(folder, image_stem), _find_idx(folder, label_stem)
    missing = [s for s, p in ((image_stem, image_path), (label_stem, label_path)) if p is None]
    if missing:
        raise DataUnavailable(f"{folder} lacks {', '.join(missing)} (.gz or extracted)")
    images, labels = read_idx(image_path), read_idx(label_path)
    if images.ndim != 3 or labels.ndim != 1 or len(images) != len(labels):
        raise DataUnavailable(f"{folder}: image and label files do not match ({images.shape} vs {labels.shape})")
    return images, labels


def _from_torchvision(name: str, split: str, root: Path) -> tuple[np.ndarray, np.ndarray]:
    import torchvision

    cls = getattr(torchvision.datasets, _spec(name)["torchvision"])
    ds = cls(str(root), train=(split == "train"), download=True)
    return ds.data.numpy(), ds.targets.numpy()


# Where a dataset's files may sit below a data folder: its own subfolder or torchvision's layout.
SUBFOLDERS = {"mnist": ("mnist", "MNIST/raw"), "fashion": ("fashion", "fashion-mnist", "FashionMNIST/raw")}


def _candidate_folders(name: str, data_dir: str | Path | None,
                       data_root: str | Path | None = None) -> tuple[list[Path], list[Path]]:
    """(roots that must exist, folders to look in, in order). `data_root` is read as AE_DATA_DIR is
    (MNIST flat, the others in their subfolders) and takes its place."""
    if data_dir is not None:  # an explicit folder is the only place to look; flat files are trusted
        root = Path(data_dir)
        return [root], [root] + [root / sub for sub in SUBFOLDERS[name]]
    roots, folders = [], []
    root_dir = data_root or os.environ.get(DATA_DIR_ENV)
    if root_dir:
        root = Path(root_dir)
        roots.append(root)
        # The four standard file names are the same for every dataset, so flat files in AE_DATA_DIR
        # are taken as MNIST; the others must sit in their own subfolder (fashion/, FashionMNIST/raw).
        folders += ([root] if name == "mnist" else []) + [root / sub for sub in SUBFOLDERS[name]]
    folders += _spec(name)["system_dirs"]
    # What an earlier download left (the training CLI downloads; the app only looks): found offline too.
    folders += [DEFAULT_CACHE / sub for sub in SUBFOLDERS[name]]
    return roots, folders


def how_to_get(name: str, *, app: bool = False) -> str:
    """How to make a dataset available: for the CLI and the library, or (`app=True`) for the app,
    which has no --data-dir and downloads only when AE_DOWNLOAD=1."""
    title = _spec(name)["title"]
    files = ("the four idx files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
             "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz)")
    if app:
        text = (f"{title} is not on this machine. Put {files} in a folder and start the app with "
                f"{DATA_DIR_ENV}=FOLDER, or start it once with AE_DOWNLOAD=1 to let it download them into "
                f"{DEFAULT_CACHE}, where a download by the training CLI is found too.")
    else:
        text = (f"{title} is not available. Either connect to the internet once (torchvision downloads it "
                f"into {DEFAULT_CACHE}), or put {files} in a folder and pass --data-dir FOLDER or set "
                f"{DATA_DIR_ENV}=FOLDER.")
    if name == "fashion":
        text += " On Debian: apt-get install dataset-fashion-mnist."
    return text


def load_images(name: str = "mnist", split: str = "train", data_dir: str | Path | None = None,
                download: bool = True, data_root: str | Path | None = None) -> ImageSet:
    """Load one split ('train' or 'test') of a dataset ('mnist' or 'fashion').

    `data_dir`: the one folder holding this dataset's files. `data_root`: a folder holding datasets
    as AE_DATA_DIR does (MNIST's files in it, the others in subfolders), looked in before the usual places.
    """
    spec = _spec(name)
    if split not in IDX_FILES:
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    roots, folders = _candidate_folders(name, data_dir, data_root)
    problems = [f"{root} is not a folder" for root in roots if not root.is_dir()]
    arrays = None
    for folder in folders:
        if not folder.is_dir():
            continue
        try:
            arrays = load_idx_folder(folder, split)
            break
        except DataUnavailable as e:
            problems.append(str(e))
    if arrays is None and data_dir is None and download:
        try:
            arrays = _from_torchvision(name, split, DEFAULT_CACHE)
        except Exception as e:  # torchvision raises several kinds (URLError, RuntimeError, OSError)
            problems.append(f"download failed ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''})")
    if arrays is None:
        detail = "; ".join(problems)
        raise DataUnavailable(how_to_get(name) + (f" Tried: {detail}." if detail else ""))
    images, labels = arrays
    import torch  # here, not at the top: the app's pickers read DATASETS before the page loads torch
    tensor = torch.from_numpy(np.array(images, copy=True)).unsqueeze(1).float().div_(255.0)
    return ImageSet(tensor, torch.from_numpy(labels.astype(np.int64)), list(spec["classes"]), name, split)
