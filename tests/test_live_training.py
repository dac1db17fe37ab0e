"""The Train page's engine: a background run that reports progress, can be stopped, and saves a checkpoint."""
import time

import pytest

from ae import load_checkpoint
from ae.live_training import RunSettings, TrainingRun, free_path


def wait(run, timeout=120):
    t0 = time.time()
    while not run.progress().finished:
        assert time.time() - t0 < timeout, run.progress()
        time.sleep(0.05)
    return run.progress()


def test_a_short_run_reports_progress_and_saves_a_checkpoint_with_snapshots(tmp_path, mnist_path):
    settings = RunSettings(images=512, epochs=2, batch_size=64)
    run = TrainingRun(settings, tmp_path, data_dir=mnist_path).start()
    done = wait(run)
    assert done.state == "done", done.message
    assert done.seen == done.total == 1024 and done.epoch == 2
    assert len(done.test_losses) == 2 and done.losses and done.view_codes.shape == (2000, 2)
    ckpt = load_checkpoint(done.path)
    assert done.path.name == "mnist_ae_z2_0k_2ep.pt"
    assert ckpt.snapshots.shape == (3, 10_000, 2) and ckpt.train_codes.shape == (512, 2)
    assert ckpt.test_mse == pytest.approx(done.test_losses[-1][1]) and ckpt.test_errors.shape == (10_000,)
    assert ckpt.train_args["source"] == "Train page"
    # A second run with the same settings never overwrites the first.
    assert free_path(tmp_path, settings.file_name()).name == "mnist_ae_z2_0k_2ep-2.pt"


def test_stopping_keeps_what_was_learned(tmp_path, mnist_path):
    run = TrainingRun(RunSettings(images=4096, epochs=5, batch_size=64, z_dim=3), tmp_path, data_dir=mnist_path).start()
    t0 = time.time()
    while run.progress().seen < 640:
        assert time.time() - t0 < 120
        time.sleep(0.02)
    run.stop()
    done = wait(run)
    assert done.state == "stopped" and done.seen < done.total
    ckpt = load_checkpoint(done.path)
    assert ckpt.epochs == 1 and ckpt.config.z_dim == 3 and ckpt.snapshots.shape == (2, 10_000, 3)
    assert done.view_codes.shape == (2000, 2)  # a 3-D space is shown in its principal plane


def test_a_failed_run_says_why(tmp_path):
    run = TrainingRun(RunSettings(images=512), tmp_path, data_dir=tmp_path / "nothing").start()
    done = wait(run)
    assert done.state == "failed" and "DataUnavailable" in done.message
    assert not list(tmp_path.glob("*.pt"))


def test_settings_refuse_nonsense():
    with pytest.raises(ValueError):
        RunSettings(z_dim=0)
    with pytest.raises(ValueError):
        RunSettings(dataset="cifar")
