"""The Train page's engine: a background run that reports progress, can be stopped, and saves a checkpoint."""
import time

import pytest
import torch

from ae import load_checkpoint
from ae.live_training import RunSettings, TrainingRun, free_path


def wait(run, timeout=120):
    t0 = time.time()
    while not run.progress().finished:
        assert time.time() - t0 < timeout, run.progress()
        time.sleep(0.05)
    return run.progress()


def test_a_short_run_reports_progress_and_saves_a_checkpoint_with_snapshots(tmp_path, training_data):
    settings = RunSettings(images=512, epochs=2, batch_size=64)
    run = TrainingRun(settings, tmp_path, data_dir=training_data).start()
    done = wait(run)
    assert done.state == "done", done.message
    assert done.seen == done.total == 1024 and done.epoch == 2
    assert len(done.test_losses) == 2 and done.losses and done.view_codes.shape == (2000, 2)
    ckpt = load_checkpoint(done.path)
    assert done.path.name == "mnist_ae_z2_0k_2ep.pt"
    assert ckpt.snapshots.shape == (3, 2_000, 2) and ckpt.train_codes.shape == (512, 2)
    assert ckpt.test_mse == pytest.approx(done.test_losses[-1][1]) and ckpt.test_errors.shape == (2_000,)
    assert ckpt.train_args["source"] == "Train page"
    # A second run with the same settings never overwrites the first.
    assert free_path(tmp_path, settings.file_name()).name == "mnist_ae_z2_0k_2ep-2.pt"


def test_stopping_keeps_what_was_learned(tmp_path, training_data):
    run = TrainingRun(RunSettings(images=4096, epochs=5, batch_size=64, z_dim=3), tmp_path, data_dir=training_data).start()
    t0 = time.time()
    while run.progress().seen < 640:
        assert time.time() - t0 < 120
        time.sleep(0.02)
    run.stop()
    done = wait(run)
    assert done.state == "stopped" and done.seen < done.total
    ckpt = load_checkpoint(done.path)
    assert ckpt.epochs == 1 and ckpt.config.z_dim == 3 and ckpt.snapshots.shape == (2, 2_000, 3)
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


def test_the_thread_policy_is_asked_as_the_run_goes_and_torch_is_put_back(tmp_path, training_data):
    before = torch.get_num_threads()
    asked = []

    def policy():  # both cores for the first asks, then one (somebody else opened the app)
        asked.append(torch.get_num_threads())
        return 2 if len(asked) < 3 else 1

    seen_threads = []
    run = TrainingRun(RunSettings(images=2_560, epochs=1, batch_size=32), tmp_path, data_dir=training_data, threads=policy)
    run.start()
    while not run.progress().finished:
        seen_threads.append(run.progress().threads)
        time.sleep(0.01)
    done = run.progress()
    assert done.state == "done", done.message
    # Asked at the start and every 20 of the 80 steps; what it answered is what the run used and showed.
    assert len(asked) == 1 + 80 // 20 and asked[1:3] == [2, 2] and asked[3] == 1
    assert 2 in seen_threads and done.threads == 1
    assert torch.get_num_threads() == before


def test_presence_counts_other_sessions_seen_lately():
    from ui.server import Presence
    now = [100.0]
    presence = Presence(clock=lambda: now[0])
    presence.note("me")
    assert presence.others("me") == 0
    presence.note("student")
    now[0] += 60
    presence.note("teacher")
    assert presence.others("me") == 2 and presence.others("teacher") == 2
    now[0] += 90  # the student's last page ran 150 s ago, the teacher's 90 s ago
    assert presence.others("me", within_s=120) == 1
    now[0] += 3600
    presence.note("me")  # an hour on, the others are forgotten, not only out of the window
    assert presence.others("me", within_s=10_000) == 0
