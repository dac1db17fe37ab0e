import subprocess
import sys

import pytest
import torch

import ae.train as train_module
from ae import load_checkpoint
from conftest import ROOT, make_idx_folder


def cli(out, data_dir, *extra):
    return ["--out", str(out), "--data-dir", str(data_dir), "--limit", "256", "--test-limit", "500", "--batch-size", "64",
            "--quiet", *extra]


def test_short_run_on_real_digits_lowers_the_loss(tmp_path, mnist_path):
    out = tmp_path / "m.pt"
    assert train_module.main(cli(out, mnist_path, "--epochs", "3", "--lr", "2e-3", "--limit", "1024")) == 0
    ckpt = load_checkpoint(out)
    losses = [h["test_loss"] for h in ckpt.history]
    assert len(losses) == 3 and losses[-1] < losses[0] * 0.8
    assert ckpt.train_codes.shape == (1024, 2) and ckpt.test_codes.shape == (500, 2)
    assert ckpt.train_args["limit"] == 1024 and ckpt.dataset == "mnist"
    assert ckpt.test_errors.shape == (500,) and abs(ckpt.test_errors.mean() - losses[-1]) < 1e-6


def die_in_epoch(monkeypatch, n: int) -> None:
    """Make the training loop raise KeyboardInterrupt (as a killed run) during its n-th epoch."""
    real_epoch = train_module.train_epoch
    calls = {"n": 0}

    def dies(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == n:
            raise KeyboardInterrupt
        return real_epoch(*args, **kwargs)

    monkeypatch.setattr(train_module, "train_epoch", dies)


@pytest.mark.parametrize("model", ["ae", "vae"])  # the VAE's sampling noise must replay on resume too
def test_same_seed_same_weights_and_resume_matches_an_unbroken_run(tmp_path, mnist_path, monkeypatch, model):
    unbroken = tmp_path / "unbroken.pt"
    assert train_module.main(cli(unbroken, mnist_path, "--epochs", "3", "--model", model)) == 0
    again = tmp_path / "again.pt"
    assert train_module.main(cli(again, mnist_path, "--epochs", "3", "--model", model)) == 0

    # Kill the run during its third epoch.
    interrupted = tmp_path / "interrupted.pt"
    real_epoch = train_module.train_epoch
    die_in_epoch(monkeypatch, 3)
    assert train_module.main(cli(interrupted, mnist_path, "--epochs", "3", "--model", model)) == 130
    assert load_checkpoint(interrupted).epochs == 2 and load_checkpoint(interrupted).model_type == model
    monkeypatch.setattr(train_module, "train_epoch", real_epoch)
    assert train_module.main(cli(interrupted, mnist_path, "--epochs", "3", "--resume")) == 0

    reference = load_checkpoint(unbroken).model.state_dict()
    for other in (again, interrupted):
        state = load_checkpoint(other).model.state_dict()
        for key, value in reference.items():
            assert torch.equal(value, state[key]), f"{other.name}: {key} differs"
    assert [round(h["test_loss"], 8) for h in load_checkpoint(interrupted).history] == \
           [round(h["test_loss"], 8) for h in load_checkpoint(unbroken).history]


def test_resume_with_a_different_one_cycle_length_is_refused(tmp_path):
    data = tmp_path / "data"
    make_idx_folder(data, n_train=32, n_test=8)
    out = tmp_path / "m.pt"
    assert train_module.main(cli(out, data, "--epochs", "1")) == 0
    assert train_module.main(cli(out, data, "--epochs", "4", "--resume")) == 2


def test_cli_without_data_prints_a_message_not_a_traceback(tmp_path):
    result = subprocess.run([sys.executable, "-m", "ae.train", "--out", str(tmp_path / "m.pt"),
                             "--data-dir", str(tmp_path / "missing")],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2
    assert "error: MNIST is not available" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "m.pt").exists()


def test_cli_rejects_nonsense_arguments(tmp_path):
    with pytest.raises(SystemExit):
        train_module.parse_args(["--out", str(tmp_path / "m.pt"), "--epochs", "0"])
    for sizes in ("512,0", "big", ""):
        with pytest.raises(SystemExit):
            train_module.parse_args(["--out", str(tmp_path / "m.pt"), "--dense-units", sizes])


def test_the_cli_trains_a_dense_model_that_rebuilds_itself(tmp_path, mnist_path):
    out = tmp_path / "dense.pt"
    assert train_module.main(cli(out, mnist_path, "--epochs", "2", "--dense-units", "64,16", "--limit", "1024")) == 0
    ckpt = load_checkpoint(out)
    assert ckpt.config.dense_units == (64, 16) and ckpt.train_args["dense_units"] == (64, 16)
    assert not any(isinstance(m, torch.nn.Conv2d) for m in ckpt.model.modules())
    assert ckpt.history[-1]["test_loss"] < ckpt.history[0]["test_loss"] and ckpt.snapshots.shape == (3, 500, 2)


def test_a_run_removes_what_an_interrupted_save_left_and_says_one_epoch(tmp_path, capsys):
    data = tmp_path / "data"
    make_idx_folder(data, n_train=32, n_test=8)
    out = tmp_path / "m.pt"
    # What a save killed between writing and renaming leaves (tempfile.mkstemp's names).
    leftovers = [tmp_path / "m.pt.k3j_x9a2.tmp", tmp_path / "m.pt.0aZ81qqe.tmp"]
    for tmp in leftovers:
        tmp.write_bytes(b"half a checkpoint")
    other = tmp_path / "other.pt.abcd1234.tmp"  # another output's: not this run's to remove
    other.write_bytes(b"x")
    assert train_module.main(cli(out, data, "--epochs", "1")) == 0
    assert not any(tmp.exists() for tmp in leftovers) and other.exists()
    printed = capsys.readouterr().out
    assert "Done: 1 epoch," in printed and "Removed m.pt.k3j_x9a2.tmp" in printed


def test_the_progress_bar_says_what_the_seconds_after_training_are_spent_on(tmp_path):
    data = tmp_path / "data"
    make_idx_folder(data, n_train=32, n_test=8)
    result = subprocess.run([sys.executable, "-m", "ae.train", "--out", str(tmp_path / "m.pt"), "--data-dir", str(data),
                             "--epochs", "1", "--batch-size", "16"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0
    assert "measuring the test loss" in result.stderr and "encoding 40 images for the checkpoint" in result.stderr


def test_every_training_option_explains_itself():
    import argparse
    options = [a for a in train_module.build_parser()._actions if not isinstance(a, argparse._HelpAction)]
    assert len(options) > 15 and [a.option_strings[0] for a in options if not a.help] == []


def test_a_checkpoint_prints_as_one_line():
    ckpt = load_checkpoint(ROOT / "checkpoints" / "mnist_ae_z2.pt")
    text = repr(ckpt)
    assert "\n" not in text and len(text) < 200
    assert text.startswith("Checkpoint(mnist_ae_z2.pt: ae on mnist, z_dim 2, 15 epochs, test MSE 0.0381")


def test_snapshots_record_how_the_codes_formed_and_survive_a_resume(tmp_path, mnist_path, monkeypatch):
    out = tmp_path / "s.pt"
    real_epoch = train_module.train_epoch
    die_in_epoch(monkeypatch, 2)
    assert train_module.main(cli(out, mnist_path, "--epochs", "3")) == 130
    assert load_checkpoint(out).snapshots.shape == (2, 500, 2)  # before training, after epoch 1
    monkeypatch.setattr(train_module, "train_epoch", real_epoch)
    assert train_module.main(cli(out, mnist_path, "--epochs", "3", "--resume")) == 0
    ckpt = load_checkpoint(out)
    assert ckpt.snapshots.shape == (4, 500, 2)
    # The last frame is the stored test codes (kept to float16 precision); the first is the untrained
    # encoder's, which puts everything somewhere else.
    assert abs(ckpt.snapshots[-1] - ckpt.test_codes).max() <= 1e-3 * max(1.0, abs(ckpt.test_codes).max())
    assert abs(ckpt.snapshots[0] - ckpt.test_codes).mean() > 0.1
