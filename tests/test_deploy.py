"""The deployment recipes in deploy/ say what the README and the tested nginx set-up say: the
Dockerfile runs the README's commands, compose and Kubernetes give every replica the same secret and
the shared trained-models folder, probe /_stcore/health and keep a browser on one replica."""
import difflib
import re
import subprocess

import pytest
import yaml

from app_harness import NGINX, NGINX_CONF, ROOT, loopback_nginx_conf, nginx_available

DEPLOY = ROOT / "deploy"
HEALTH = "/_stcore/health"


def readme_command(start: str) -> str:
    """The README's shell command that begins with `start`."""
    found = [line for line in re.findall(r"```bash\n(.*?)```", (ROOT / "README.md").read_text(), re.S)
             for line in line.splitlines() if line.startswith(start)]
    assert found, f"the README has a command starting {start!r}"
    return found[0]


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments) of deploy/Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n\s*", " ", (DEPLOY / "Dockerfile").read_text())
    return [(m.group(1).upper(), m.group(2).strip()) for m in re.finditer(r"^([A-Za-z]+)\s+(.*)$", text, re.M)
            if not m.group(0).lstrip().startswith("#")]


def test_the_dockerfile_runs_the_readmes_commands_as_a_user_with_a_health_check():
    steps = dockerfile()
    kinds = [k for k, _ in steps]
    assert steps[0][0] == "FROM" and "slim" in steps[0][1]
    # The README's app command, without its virtual environment: install the requirements, run the app.
    app = readme_command("python3 -m venv .venv").split(" && ")
    install = next(c for c in app if "pip install" in c).replace(".venv/bin/", "")
    start = next(c for c in app if "streamlit run" in c).replace(".venv/bin/", "")
    runs = " ".join(a for k, a in steps if k == "RUN")
    assert install in runs, (install, runs)
    cmd = next(a for k, a in steps if k == "CMD")
    assert " ".join(yaml.safe_load(cmd)) == start  # exec form: a JSON list
    # CPU-only torch, installed before requirements.txt so that pip keeps it.
    assert ("ARG", "TORCH_INDEX=https://download.pytorch.org/whl/cpu") in steps
    torch_step = next(i for i, (k, a) in enumerate(steps) if k == "RUN" and '--index-url "$TORCH_INDEX" "torch' in a)
    assert torch_step < next(i for i, (k, a) in enumerate(steps) if k == "RUN" and "requirements.txt" in a)
    user = next(a for k, a in steps if k == "USER")
    assert user not in ("root", "0") and kinds.index("USER") > max(i for i, k in enumerate(kinds) if k == "RUN")
    assert HEALTH in next(a for k, a in steps if k == "HEALTHCHECK")
    env = " ".join(a for k, a in steps if k == "ENV")
    assert "AE_TRAINED_DIR=/data/trained" in env and "STREAMLIT_SERVER_ADDRESS=0.0.0.0" in env


def test_the_image_holds_the_shipped_checkpoints_and_not_the_local_environment():
    ignored = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()
               if line.strip() and not line.startswith("#")]
    for kept in ("checkpoints", "app.py", "ae", "components", "requirements.txt", "pyproject.toml"):
        assert not any(re.fullmatch(pattern.replace("*", ".*"), kept) for pattern in ignored), kept
    for left_out in (".venv", ".git", "trained"):
        assert left_out in ignored


def test_compose_runs_replicas_with_one_secret_and_shared_models_behind_nginx():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    app, nginx = compose["services"]["app"], compose["services"]["nginx"]
    assert app["build"] == {"context": "..", "dockerfile": "deploy/Dockerfile"}
    assert app["deploy"]["replicas"] >= 2
    env = app["environment"]
    assert env["STREAMLIT_SERVER_COOKIE_SECRET"].startswith("${LX_COOKIE_SECRET:?"), "one secret, required"
    assert env["AE_TRAINED_DIR"] == "/data/trained" and "trained:/data/trained" in app["volumes"]
    assert "trained" in compose["volumes"]
    assert "./nginx.conf:/etc/nginx/nginx.conf:ro" in nginx["volumes"]
    assert nginx["depends_on"]["app"]["condition"] == "service_healthy"
    assert any(str(p).endswith(":80") for p in nginx["ports"])
    # nginx's upstream names the compose service and its port.
    assert re.search(rf"^\s*server {'app'}:8501 ", NGINX_CONF.read_text(), re.M)


def k8s(kind: str) -> dict:
    docs = [d for p in sorted((DEPLOY / "k8s").glob("*.yaml")) for d in yaml.safe_load_all(p.read_text()) if d]
    return next(d for d in docs if d.get("kind") == kind)


def test_the_kubernetes_manifests_probe_health_share_models_and_keep_a_browser_on_its_pod():
    listed = yaml.safe_load((DEPLOY / "k8s" / "kustomization.yaml").read_text())["resources"]
    assert sorted(listed) == sorted(p.name for p in (DEPLOY / "k8s").glob("*.yaml") if p.name != "kustomization.yaml")
    deployment = k8s("Deployment")
    assert deployment["spec"]["replicas"] >= 2
    pod = deployment["spec"]["template"]
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
    container = pod["spec"]["containers"][0]
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"] == HEALTH
        assert container[probe]["httpGet"]["port"] in {p["name"] for p in container["ports"]}
    env = {e["name"]: e for e in container["env"]}
    assert env["STREAMLIT_SERVER_COOKIE_SECRET"]["valueFrom"]["secretKeyRef"]["key"] == "cookie-secret"
    assert env["AE_TRAINED_DIR"]["value"] == "/data/trained"
    assert env["AE_REPLICA_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    mount = next(m for m in container["volumeMounts"] if m["mountPath"] == "/data/trained")
    claim = next(v for v in pod["spec"]["volumes"] if v["name"] == mount["name"])["persistentVolumeClaim"]["claimName"]
    pvc = k8s("PersistentVolumeClaim")
    assert pvc["metadata"]["name"] == claim and pvc["spec"]["accessModes"] == ["ReadWriteMany"]
    service = k8s("Service")
    assert service["spec"]["selector"].items() <= pod["metadata"]["labels"].items()
    ingress = k8s("Ingress")
    notes = ingress["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert int(notes["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == service["metadata"]["name"]
    assert backend["port"]["name"] in {p["name"] for p in service["spec"]["ports"]}


def test_the_tested_nginx_conf_is_the_deployed_one_but_for_its_addresses(tmp_path):
    deployed, tested = NGINX_CONF.read_text().splitlines(), loopback_nginx_conf([8001, 8002], 9000).splitlines()
    changed = [line for line in difflib.ndiff(deployed, tested) if line[:2] in ("- ", "+ ")]
    assert sorted(changed) == sorted(["-         server app:8501 max_fails=1 fail_timeout=10s;",
                                      "+         server 127.0.0.1:8001 max_fails=1 fail_timeout=10s;",
                                      "+         server 127.0.0.1:8002 max_fails=1 fail_timeout=10s;",
                                      "-         listen 80;", "+         listen 127.0.0.1:9000;"])
    if not nginx_available():
        pytest.skip("Debian's nginx is not installed (the failover test needs it too)")
    conf = tmp_path / "nginx.conf"
    conf.write_text("\n".join(tested))
    check = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(conf), "-g", f"pid {tmp_path}/nginx.pid;"],
                           capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
