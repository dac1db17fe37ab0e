"""A course server as deploy/ describes it, tested here where no container can run: Debian's nginx
started from deploy/nginx.conf (only the replicas' addresses and its port changed) in front of two
app processes with the compose file's settings (one cookie secret, one shared trained-models folder).
Students keep to their replica, share the trained models, and lose no place when a replica dies."""
import contextlib
import os
import shutil
from urllib.parse import urlparse

import pytest
import yaml
from PIL import Image, ImageDraw

from app_harness import (ROOT, answered, app_server, class_failover, nginx_available, running_nginx, served_by,
                         server_point)
from conftest import SHIPPED


@pytest.fixture(scope="module")
def course_server(mnist_path, tmp_path_factory):
    """Two replicas r1 and r2 behind nginx: (url, {name: AppServer}, shared trained folder)."""
    if not nginx_available():
        if os.environ.get("CI"):
            pytest.fail("nginx is required in CI (apt-get install nginx)")
        pytest.skip("Debian's nginx is not installed")
    trained = tmp_path_factory.mktemp("trained")
    compose = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())["services"]["app"]["environment"]
    settings = {"AE_DATA_DIR": str(mnist_path), "AE_TRAINED_DIR": str(trained),
                "STREAMLIT_SERVER_COOKIE_SECRET": "one secret for every replica of this test"}
    assert set(settings) - {"AE_DATA_DIR"} <= set(compose), "the settings the compose file gives every replica"
    with contextlib.ExitStack() as stack:
        replicas = {name: stack.enter_context(app_server(env={**settings, "AE_REPLICA_NAME": name}, timeout=120))
                    for name in ("r1", "r2")}
        url = stack.enter_context(running_nginx([int(r.url.rsplit(":", 1)[1]) for r in replicas.values()]))
        yield url, replicas, trained


def chosen_checkpoint(page) -> str:
    return page.get_by_role("combobox", name="Checkpoint").input_value()


def contexts_on_each_replica(browser, url, replicas, tries=12):
    """A browser context (its own cookies) kept by nginx on each replica: {replica: context}."""
    found = {}
    for _ in range(tries):
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        name = served_by(context, url)
        if name in found:
            context.close()
        else:
            found[name] = context
        if len(found) == len(replicas):
            break
    assert set(found) == set(replicas), f"{tries} new browsers all went to {sorted(found)}"
    return found


def test_a_browser_keeps_to_its_replica_and_every_replica_lists_the_shared_models(course_server, chromium):
    url, replicas, trained = course_server
    on = contexts_on_each_replica(chromium, url, replicas)
    for name, context in on.items():  # affinity: every later request of a browser goes where its first went
        assert {served_by(context, url) for _ in range(3)} == {name}
        assert [c["name"] for c in context.cookies() if c["name"] == "lx_replica"], "nginx's affinity cookie"
    # A model saved into the shared folder (as a replica's training run or import saves it, atomically)
    # is on every replica's list: each opens it from a link.
    shutil.copy(SHIPPED.with_name("mnist_vae_z2.pt"), trained / "mnist_class_vae.pt")
    for name, context in on.items():
        page = context.new_page()
        page.goto(f"{url}/?checkpoint=mnist_class_vae.pt")
        page.wait_for_selector(".lx-plot[data-ready='1']", timeout=90_000)
        assert chosen_checkpoint(page) == "mnist_class_vae.pt", name
        assert "mnist_class_vae.pt" in page.url and not page.locator("[data-testid='stException']").count()
    for context in on.values():
        context.close()


def test_a_class_loses_no_place_when_a_replica_dies(course_server, chromium, tmp_path):
    url, replicas, _ = course_server
    result = class_failover(chromium, url, replicas)
    students = result["students"]
    report = [(s["replica"], s["replica_after"], s["lost"], None if s["recovered_s"] is None else round(s["recovered_s"], 1))
              for s in students]
    print(f"\nreplica {result['victim']} killed; per student (replica, replica after, clicks lost, s to an answered click): {report}")
    moved = [s for s in students if s["moved"]]
    assert moved, "the killed replica served somebody"
    for k, s in enumerate(students):
        page = s["page"]
        assert s["recovered_s"] is not None, f"student {k} got no answer from the server after the failover"
        assert s["replica_after"] == ("r2" if result["victim"] == "r1" else "r1"), "everybody on the survivor"
        if not s["moved"]:
            assert s["lost"] == 0, f"student {k} was not on the lost replica and lost a click"
        # Back on its page, its model and its point, from its address, without an exception.
        assert urlparse(page.url).path in ("", "/") and f"checkpoint={s['checkpoint']}" in page.url
        assert chosen_checkpoint(page) == s["checkpoint"]
        assert answered(page, s["point"], s["tolerance"])
        z1, z2 = server_point(page)
        page.wait_for_function("(t) => document.body.innerText.includes(t)", arg=f"decoded at z = ({z1:.3f}, {z2:.3f})",
                               timeout=20_000)
        assert not page.locator("[data-testid='stException']").count()
    # Uploads are held by the replica that took them: a moved student's new upload works on the survivor
    # (with the same cookie secret its XSRF token is still good there).
    page = moved[0]["context"].new_page()
    page.goto(f"{url}/your-own-digit")
    page.get_by_text("Upload a picture").click()
    digit = Image.new("L", (120, 120), 255)
    ImageDraw.Draw(digit).line([(60, 15), (60, 105)], fill=0, width=12)
    digit.save(tmp_path / "one.png")
    page.locator(".st-key-own_upload input[type='file']").set_input_files(str(tmp_path / "one.png"))  # the page's, not the lesson's
    page.wait_for_function("() => document.body.innerText.includes('Preparing it like MNIST')", timeout=60_000)
    assert not page.locator("[data-testid='stException']").count()
    for s in students:
        s["context"].close()

