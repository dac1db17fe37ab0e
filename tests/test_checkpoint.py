import os
import pickle

import numpy as np
import pytest
import torch

import ae.checkpoint as checkpoint_module
from ae import (AEConfig, Autoencoder, CheckpointCorrupt, CheckpointForeign, CheckpointMismatch,
                CheckpointNotFound, CheckpointUnsafe, load_checkpoint, save_checkpoint)


def small_checkpoint(path, cfg=None, seed=0):
    cfg = cfg or AEConfig()
    torch.manual_seed(seed)
    model = Autoencoder(cfg)
    rng = np.random.default_rng(seed)
    save_checkpoint(path, model=model, dataset="mnist",
                    history=[{"epoch": 1, "train_loss": 0.05, "test_loss": 0.045, "seconds": 1.0}],
                    train_codes=rng.normal(size=(50, cfg.z_dim)), train_labels=rng.integers(0, 10, 50),
                    test_codes=rng.normal(size=(20, cfg.z_dim)), test_labels=rng.integers(0, 10, 20),
                    train_args={"lr": 0.001})
    return model


def test_round_trip_gives_identical_outputs(tmp_path):
    path = tmp_path / "m.pt"
    cfg = AEConfig(use_batch_norm=True)
    model = small_checkpoint(path, cfg).eval()
    loaded = load_checkpoint(path)
    assert loaded.config == cfg and not loaded.model.training
    x = torch.rand(4, 1, 28, 28)
    with torch.no_grad():
        assert torch.equal(model(x), loaded.model(x))
    assert loaded.train_codes.shape == (50, 2) and loaded.test_labels.shape == (20,)
    assert loaded.test_mse == 0.045 and loaded.epochs == 1 and loaded.dataset == "mnist"
    assert loaded.train_args == {"lr": 0.001}


def test_missing_file(tmp_path):
    with pytest.raises(CheckpointNotFound, match="python -m ae.train"):
        load_checkpoint(tmp_path / "nothing.pt")


def test_truncated_file(tmp_path):
    path = tmp_path / "m.pt"
    small_checkpoint(path)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(CheckpointCorrupt, match="damaged or truncated"):
        load_checkpoint(path)


def test_random_bytes_and_empty_file(tmp_path):
    path = tmp_path / "noise.pt"
    path.write_bytes(os.urandom(3000))
    with pytest.raises(CheckpointCorrupt):
        load_checkpoint(path)
    path.write_bytes(b"")
    with pytest.raises(CheckpointCorrupt):
        load_checkpoint(path)
    # Bytes the unpickler stops on: one short sentence, not torch's advice to turn weights_only off.
    path.write_bytes(b"\x93" * 200)
    with pytest.raises(CheckpointCorrupt, match="damaged or truncated") as caught:
        load_checkpoint(path)
    assert "weights_only" not in str(caught.value) and len(str(caught.value)) < 300


def test_foreign_state_dict_is_recognised(tmp_path):
    path = tmp_path / "foreign.pt"
    torch.save(Autoencoder().state_dict(), path)
    with pytest.raises(CheckpointForeign, match="bare state_dict"):
        load_checkpoint(path)
    torch.save([1, 2, 3], path)
    with pytest.raises(CheckpointForeign):
        load_checkpoint(path)


class Payload:
    def __reduce__(self):
        return (os.system, ("echo pwned > /dev/null",))


def test_pickled_code_is_refused(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"format": "latent-explorer-checkpoint", "payload": Payload()}, path)
    with pytest.raises(CheckpointUnsafe, match="refused"):
        load_checkpoint(path)
    # A full Python object (the whole model) is refused too: it would be unpickled as code.
    torch.save(Autoencoder(), path)
    with pytest.raises(CheckpointUnsafe):
        load_checkpoint(path)


def test_weights_that_do_not_match_the_config(tmp_path):
    path = tmp_path / "m.pt"
    small_checkpoint(path)
    raw = torch.load(path, weights_only=True)
    raw["config"]["z_dim"] = 3
    torch.save(raw, path)
    with pytest.raises(CheckpointMismatch, match="do not match"):
        load_checkpoint(path)


def test_newer_format_and_missing_field(tmp_path):
    path = tmp_path / "m.pt"
    small_checkpoint(path)
    raw = torch.load(path, weights_only=True)
    torch.save({**raw, "format_version": 99}, path)
    with pytest.raises(CheckpointMismatch, match="format version 99"):
        load_checkpoint(path)
    del raw["test_codes"]
    torch.save(raw, path)
    with pytest.raises(CheckpointMismatch, match="test_codes"):
        load_checkpoint(path)


def test_non_finite_codes_are_reported(tmp_path):
    path = tmp_path / "m.pt"
    small_checkpoint(path)
    raw = torch.load(path, weights_only=True)
    raw["test_codes"][0, 0] = float("nan")
    torch.save(raw, path)
    with pytest.raises(CheckpointMismatch, match="NaN"):
        load_checkpoint(path)


def test_a_failed_save_leaves_the_old_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "m.pt"
    small_checkpoint(path, seed=1)
    before = path.read_bytes()

    def crash(obj, f, *args, **kwargs):
        f.write(b"half a checkpoint")
        raise KeyboardInterrupt

    monkeypatch.setattr(checkpoint_module.torch, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        small_checkpoint(path, seed=2)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.pt"]  # no temporary file left behind
    monkeypatch.undo()
    load_checkpoint(path)


def test_unsafe_error_is_not_confused_with_corruption(tmp_path):
    path = tmp_path / "plain.pkl"
    with open(path, "wb") as f:
        pickle.dump({"a": Payload()}, f)
    with pytest.raises((CheckpointUnsafe, CheckpointCorrupt)):
        load_checkpoint(path)


def test_snapshots_round_trip_and_a_wrong_shape_is_refused(tmp_path):
    model = Autoencoder(AEConfig())
    rng = np.random.default_rng(0)
    common = dict(model=model, dataset="mnist", history=[], train_codes=rng.normal(size=(5, 2)),
                  train_labels=np.zeros(5), test_codes=rng.normal(size=(4, 2)), test_labels=np.zeros(4))
    frames = rng.normal(size=(3, 4, 2))
    save_checkpoint(tmp_path / "ok.pt", snapshots=frames, **common)
    assert np.allclose(load_checkpoint(tmp_path / "ok.pt").snapshots, frames, atol=2e-3)
    save_checkpoint(tmp_path / "none.pt", **common)
    assert load_checkpoint(tmp_path / "none.pt").snapshots is None
    save_checkpoint(tmp_path / "bad.pt", snapshots=rng.normal(size=(3, 5, 2)), **common)
    with pytest.raises(CheckpointMismatch, match="snapshots"):
        load_checkpoint(tmp_path / "bad.pt")
