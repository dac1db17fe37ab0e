"""The Train page under AppTest: a tiny real run starts, shows progress, finishes, and its checkpoint
joins every page's picker; a second session is told the server is busy; stopping keeps a checkpoint."""
import time

import pytest

import ae
from conftest import ROOT, run_script, shown_text

PAGE = str(ROOT / "app_pages" / "7_Train.py")


@pytest.fixture
def trained(monkeypatch, tmp_path, training_data):
    from ui import catalog, server, training_room
    monkeypatch.setenv("AE_DATA_DIR", str(training_data))
    monkeypatch.setattr(catalog, "TRAINED_DIR", tmp_path / "trained")
    training_room.room.clear()  # a fresh slot for each test
    server.presence.clear()  # ... and nobody else on the server yet
    yield tmp_path / "trained"
    run = training_room.room().run
    if run is not None:
        run.stop()
        run.thread.join(timeout=120)


def session(recipe="shipped", **values):
    at = run_script(PAGE, timeout=120, fresh_cache=False)
    at.radio(key="tr_recipe").set_value(recipe)
    for key, value in values.items():
        at.select_slider(key=key).set_value(value) if key in ("tr_images", "tr_z") else at.slider(key=key).set_value(value)
    return at


def start(at):
    next(b for b in at.button if b.label == "Start training").click().run()
    return at


def texts(at):
    return " ".join(shown_text(e.value) for e in [*at.markdown, *at.success, *at.warning, *at.info, *at.error, *at.subheader])


def wait_for(condition, timeout=60):
    t0 = time.time()
    while not condition():
        assert time.time() - t0 < timeout
        time.sleep(0.05)


def wait_until(at, words, timeout=180):
    t0 = time.time()
    while words not in texts(at):
        assert time.time() - t0 < timeout, texts(at)
        time.sleep(0.5)
        at.run()
    return at


def test_a_short_run_shows_progress_and_its_checkpoint_joins_the_pickers(trained, monkeypatch):
    at = start(session(tr_images=2_000, tr_epochs=1))
    assert not at.exception and not at.error
    assert "Your run: plain autoencoder on 2,000 MNIST images, 2-D latent space, 1 epoch" in texts(at)
    assert at.get("progress"), "a progress bar while the run goes"
    wait_until(at, "Saved as mnist_ae_z2_2k_1ep.pt")
    assert {"tr_loss", "tr_codes"} <= {k for c in at.get("plotly_chart") for k in ("tr_loss", "tr_codes") if k in c.proto.id}
    path = trained / "mnist_ae_z2_2k_1ep.pt"
    ckpt = ae.load_checkpoint(path)
    assert ckpt.snapshots.shape == (2, 2_000, 2) and len(ckpt.train_codes) == 2_000
    from ui import catalog
    assert "mnist_ae_z2_2k_1ep.pt" in catalog.list_checkpoints("mnist")
    explorer = run_script(ROOT / "navigation.py", state={"lx_checkpoint": "mnist_ae_z2_2k_1ep.pt"}, timeout=120, fresh_cache=False)
    assert not explorer.exception and not explorer.error
    assert explorer.selectbox(key="ex_checkpoint").value == "mnist_ae_z2_2k_1ep.pt"


def test_a_second_session_is_told_the_server_is_busy_and_stopping_keeps_a_checkpoint(trained):
    import os

    from ui import training_room
    first = start(session(tr_images=10_000, tr_epochs=3))
    run = training_room.room().run
    alone = min(2, os.cpu_count() or 1)
    wait_for(lambda: run.progress().threads == alone)  # nobody else here: all the cores it may take
    second = session(tr_images=2_000, tr_epochs=1)
    wait_for(lambda: run.progress().threads == 1)  # somebody else came: one core, their pages keep answering
    assert any("The server is busy: another session is training" in w.value for w in second.warning)
    assert next(b for b in second.button if b.label == "Start training").disabled
    assert "Another session's run" in texts(second)
    assert not [b for b in second.button if b.label.startswith("Stop")]  # only the owner may stop it
    first.run()
    next(b for b in first.button if b.label.startswith("Stop")).click().run()
    wait_until(first, "Stopped after")
    saved = list(trained.glob("*.pt"))
    assert [p.name for p in saved] == ["mnist_ae_z2_10k_3ep.pt"]
    assert ae.load_checkpoint(saved[0]).epochs == 1
    # The slot is free again: the second session may start now.
    second.run()
    assert not [w for w in start(second).warning if "busy" in w.value]


def test_the_slot_refuses_a_second_start_even_when_two_sessions_press_at_once(trained):
    from types import SimpleNamespace

    from ae.live_training import Progress, RunSettings
    from ui.training_room import Room
    room = Room()
    going = SimpleNamespace(progress=lambda: Progress(state="training", seen=50, total=100), settings=RunSettings())
    room.run, room.owner = going, "first"
    assert "another session is training" in room.start(RunSettings(images=2_000), "second", data=None)
    assert room.run is going and room.owner == "first" and not room.stop("second")


def test_the_fast_recipe_trains_a_dense_model_and_says_so(trained):
    at = start(session("dense", tr_images=2_000, tr_epochs=2))
    assert "plain autoencoder with dense layers (512-128) on 2,000 MNIST images" in texts(at)
    wait_until(at, "Saved as mnist_ae_z2_dense_2k_2ep.pt")
    from ui import training_room
    assert training_room.room().run.progress().threads == 1  # alone, yet one core: faster for this model
    ckpt = ae.load_checkpoint(trained / "mnist_ae_z2_dense_2k_2ep.pt")
    assert ckpt.config.dense_units == (512, 128) and ckpt.train_args["batch_size"] == 256
    assert ckpt.snapshots.shape == (3, 2_000, 2)
    # ... and the explorer opens it like any other checkpoint.
    explorer = run_script(ROOT / "navigation.py", state={"lx_checkpoint": "mnist_ae_z2_dense_2k_2ep.pt"}, timeout=120,
                          fresh_cache=False)
    assert not explorer.exception and not explorer.error
    assert explorer.selectbox(key="ex_checkpoint").value == "mnist_ae_z2_dense_2k_2ep.pt"


def test_behind_a_load_balancer_the_page_names_its_replica_and_the_busy_one(trained, monkeypatch):
    import socket
    from types import SimpleNamespace

    from ae.live_training import Progress, RunSettings
    from ui.training_room import Room
    room = Room()
    room.run = SimpleNamespace(progress=lambda: Progress(state="training", seen=50, total=100), settings=RunSettings())
    room.owner = "first"
    assert room.busy("second").startswith("The server is busy: another session is training")  # one server alone
    monkeypatch.setenv("AE_REPLICA_NAME", "lx-{hostname}")
    replica = f"lx-{socket.gethostname()}"
    assert room.busy("second").startswith(f"This server ({replica}) is busy: another session is training")
    at = run_script(PAGE, timeout=120, fresh_cache=False)
    assert not at.exception
    assert f"This page is served by replica {replica} of the course server." in " ".join(
        shown_text(c.value) for c in at.caption)
