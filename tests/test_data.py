
import numpy as np
import pytest
import torch

import ae
import ae.data
from ae import data
from ae.data import DataUnavailable, load_images
from conftest import make_idx_folder


@pytest.mark.parametrize("compress", [True, False])
def test_local_folder_of_idx_files(tmp_path, compress):
    arrays = make_idx_folder(tmp_path, compress=compress)
    for split in ("train", "test"):
        s = load_images("mnist", split, data_dir=tmp_path)
        images, labels = arrays[split]
        assert s.images.shape == (len(images), 1, 28, 28) and s.images.dtype == torch.float32
        np.testing.assert_allclose(s.images[:, 0].numpy() * 255, images, atol=1e-4)
        assert s.labels.tolist() == labels.tolist()
        assert s.classes[3] == "3"


def test_torchvision_raw_layout_and_env_variable(tmp_path, monkeypatch):
    make_idx_folder(tmp_path / "FashionMNIST" / "raw")
    monkeypatch.setenv("AE_DATA_DIR", str(tmp_path))
    s = load_images("fashion", "test", download=False)
    assert len(s) == 6 and s.classes[0] == "T-shirt/top" and s.name == "fashion"


def test_real_mnist_folder(mnist_path):
    test = load_images("mnist", "test", data_dir=mnist_path)
    assert test.images.shape == (10_000, 1, 28, 28)
    assert torch.bincount(test.labels).tolist()[:3] == [980, 1135, 1032]
    assert abs(test.images.mean().item() - 0.1325) < 0.001


def test_no_data_and_no_network_gives_one_clear_message(tmp_path, monkeypatch):
    monkeypatch.delenv("AE_DATA_DIR", raising=False)

    def offline(*args, **kwargs):
        raise OSError("Network is unreachable")

    monkeypatch.setattr(data, "_from_torchvision", offline)
    with pytest.raises(DataUnavailable) as info:
        load_images("mnist", "train")
    message = str(info.value)
    assert "AE_DATA_DIR" in message and "--data-dir" in message and "Network is unreachable" in message


def test_explicit_folder_missing_files_is_named(tmp_path):
    make_idx_folder(tmp_path)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataUnavailable, match="t10k-labels-idx1-ubyte"):
        load_images("mnist", "test", data_dir=tmp_path)
    with pytest.raises(DataUnavailable, match="not a folder"):
        load_images("mnist", "test", data_dir=tmp_path / "nowhere")


def test_truncated_idx_file_is_reported(tmp_path):
    make_idx_folder(tmp_path, compress=False)
    path = tmp_path / "t10k-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(DataUnavailable, match="truncated"):
        load_images("mnist", "test", data_dir=tmp_path)


def test_unknown_dataset_and_split():
    with pytest.raises(ValueError):
        load_images("cifar", "train")
    with pytest.raises(ValueError):
        load_images("mnist", "validation")


def test_flat_files_in_the_data_variable_are_not_taken_for_fashion(tmp_path, monkeypatch):
    make_idx_folder(tmp_path)  # flat: MNIST by convention
    monkeypatch.setenv("AE_DATA_DIR", str(tmp_path))
    monkeypatch.setitem(data.DATASETS["fashion"], "system_dirs", [])
    assert len(load_images("mnist", "test", download=False)) == 6
    with pytest.raises(DataUnavailable):
        load_images("fashion", "test", download=False)
    make_idx_folder(tmp_path / "fashion", n_test=4)
    assert len(load_images("fashion", "test", download=False)) == 4


def test_debians_fashion_folder_is_found(tmp_path, monkeypatch):
    debian = tmp_path / "usr-share-datasets-fashion-mnist"
    make_idx_folder(debian, n_test=5)
    monkeypatch.delenv("AE_DATA_DIR", raising=False)
    monkeypatch.setitem(data.DATASETS["fashion"], "system_dirs", [debian])
    test = load_images("fashion", "test", download=False)
    assert len(test) == 5 and test.classes[9] == "Ankle boot"


def test_real_fashion_mnist_from_debians_folder(fashion_path, monkeypatch):
    monkeypatch.delenv("AE_DATA_DIR", raising=False)
    test = load_images("fashion", "test", download=False)  # found in Debian's folder by itself
    assert test.images.shape == (10_000, 1, 28, 28) and test.classes[9] == "Ankle boot"
    assert torch.bincount(test.labels).tolist() == [1000] * 10
    assert test.labels[:3].tolist() == [9, 2, 1]  # an ankle boot, a pullover, a trouser
    explicit = load_images("fashion", "test", data_dir=fashion_path)
    assert torch.equal(explicit.images, test.images)
    assert len(load_images("fashion", "train", download=False)) == 60_000


def test_the_mnist_folder_is_never_taken_for_fashion(mnist_path, fashion_path, monkeypatch):
    monkeypatch.setenv("AE_DATA_DIR", str(mnist_path))  # flat MNIST files, as in CI
    mnist = load_images("mnist", "test")
    fashion = load_images("fashion", "test", download=False)
    assert not torch.equal(mnist.labels, fashion.labels)


def test_what_an_earlier_download_left_is_found_offline(tmp_path, monkeypatch):
    # The training CLI downloads into the cache folder; the app (download=False) must find it there.
    monkeypatch.delenv("AE_DATA_DIR", raising=False)
    monkeypatch.setattr(ae.data, "DEFAULT_CACHE", tmp_path / "cache")
    arrays = make_idx_folder(tmp_path / "cache" / "MNIST" / "raw", n_train=12, n_test=6)
    images = ae.load_images("mnist", "test", download=False)
    assert len(images) == 6 and images.labels.tolist() == arrays["test"][1].tolist()


def test_the_apps_message_says_what_works_for_the_app():
    text = ae.data.how_to_get("mnist", app=True)
    assert "AE_DATA_DIR=FOLDER" in text and "AE_DOWNLOAD=1" in text and "--data-dir" not in text
    assert "--data-dir" in ae.data.how_to_get("mnist")
