"""The documents a user reads: the README stays short, its test command is the one CI runs, and every
link between the documents leads to a file and a heading that exist."""
import re

import pytest

from conftest import ROOT

DOCS = ["README.md", "docs/GUIDE.md", "ARCHITECTURE.md", "bench/README.md"]


def anchors(markdown: str) -> set[str]:
    """GitHub's anchors for a document's headings."""
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
            for h in re.findall(r"^#+ (.*)$", markdown, re.M)}


def test_the_readme_is_short_and_ci_runs_its_test_command():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 200
    commands = [line for block in re.findall(r"```bash\n(.*?)```", readme, re.S) for line in block.splitlines()
                if "pytest" in line]
    assert len(commands) == 1, commands
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line and not line.startswith("#")]
    assert ci[-1] == commands[0]


@pytest.mark.parametrize("doc", DOCS)
def test_every_link_between_the_documents_leads_somewhere(doc):
    path = ROOT / doc
    text = path.read_text()
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue  # a web address, not ours to check here
        file, _, anchor = target.partition("#")
        linked = (path.parent / file).resolve() if file else path
        assert linked.exists(), f"{doc}: {target}"
        if anchor:
            assert anchor in anchors(linked.read_text()), f"{doc}: {target} (no such heading)"
