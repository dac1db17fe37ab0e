"""A fresh server under many first visits at once: every session gets its chart."""
import os
import subprocess
import sys
import time

from conftest import ROOT

SESSIONS = 6


def test_a_session_that_starts_while_another_imports_torch_gets_one_thread_not_an_error():
    # Thread A imports torch (a second or two); thread B runs a session's first line the moment the
    # half-made module appears in sys.modules, as a second first visit on a fresh server does.
    script = """
import sys, threading
sys.path.insert(0, %r)
from ui.server import use_one_torch_thread
errors = []
importer = threading.Thread(target=lambda: __import__("torch"))
importer.start()
while "torch" not in sys.modules:
    pass
try:
    use_one_torch_thread()
except Exception as e:
    errors.append(repr(e))
importer.join()
import torch
print(errors, torch.get_num_threads())
""" % str(ROOT)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                            env={k: v for k, v in os.environ.items() if k != "OMP_NUM_THREADS"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["[]", "1"]


def test_six_first_visits_at_once_on_a_fresh_server_all_draw_the_chart(app_browser, mnist_path):
    from app_harness import fresh_tree, running_app

    browser = app_browser[0].context.browser  # one Playwright per test process: the shared browser
    # A fresh clone's copy, nothing published yet: the first visits build the model's files (and the
    # tests running beside this one keep theirs).
    with fresh_tree() as tree, running_app(env={"AE_DATA_DIR": str(mnist_path)}, cwd=tree) as (url, _):
        contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(SESSIONS)]
        try:
            pages = [context.new_page() for context in contexts]
            for page in pages:
                page.goto(url, wait_until="commit")
            drawn, problems, deadline = set(), {}, time.monotonic() + 240
            while len(drawn) + len(problems) < SESSIONS and time.monotonic() < deadline:
                for i, page in enumerate(pages):
                    if i in drawn or i in problems:
                        continue
                    state = page.evaluate("""() => document.querySelector(".lx-plot[data-ready='1']") ? 'drawn'
                        : (document.querySelector("[data-testid='stException']") || {}).innerText || null""")
                    if state == "drawn":
                        drawn.add(i)
                    elif state:
                        problems[i] = state[:300]
                page.wait_for_timeout(250)
            assert not problems, problems
            assert len(drawn) == SESSIONS, f"{SESSIONS - len(drawn)} of {SESSIONS} sessions drew no chart in 240 s"
            assert list((tree / "static" / "models").glob("mnist_ae_z2-*")), "the fresh copy published its own files"
        finally:
            for context in contexts:
                context.close()
