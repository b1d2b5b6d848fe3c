"""docker-compose.yml, the Dockerfiles and .env.example, checked by reading them.

Docker cannot run on the development machines, so these checks are what keeps the
deployment files true to the code.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from agents_backend.core.config import Settings
from tests.support.servers import ROOT

SECRET_NAME = re.compile(r"(SECRET|PASSWORD|API_KEY|ENCRYPTION_KEY|TOKEN$)")
INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def dockerfile(path: str) -> str:
    return (ROOT / path).read_text()


def test_every_service_has_a_healthcheck_and_waits_for_healthy_dependencies(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    assert set(services) == {"mongodb", "redis", "backend", "nginx"}
    for name, service in services.items():
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
        for dependency, rule in (service.get("depends_on") or {}).items():
            assert rule == {"condition": "service_healthy"}, (name, dependency)
    assert set(services["backend"]["depends_on"]) == {"mongodb", "redis"}
    assert set(services["nginx"]["depends_on"]) == {"backend"}


def test_backend_is_scalable(compose: dict[str, Any]) -> None:
    backend = compose["services"]["backend"]
    # A fixed name or a published port would stop `--scale backend=3`.
    assert "container_name" not in backend
    assert "ports" not in backend
    assert backend["environment"]["SOCKETIO_REDIS_URL"].startswith("redis://redis:")


def test_every_setting_the_code_reads_is_passed_to_the_backend(compose: dict[str, Any]) -> None:
    environment = compose["services"]["backend"]["environment"]
    expected = {name.upper() for name in Settings.model_fields}
    missing = expected - set(environment)
    assert not missing, f"docker-compose.yml does not pass {sorted(missing)}"
    unknown = set(environment) - expected
    assert not unknown, f"docker-compose.yml passes variables no code reads: {sorted(unknown)}"
    assert environment["DEBUG"] == "false"


def test_no_secret_is_hard_coded(compose: dict[str, Any]) -> None:
    for service_name, service in compose["services"].items():
        for name, value in (service.get("environment") or {}).items():
            if not SECRET_NAME.search(name) or name.endswith("_FILE"):
                continue
            text = str(value)
            assert INTERPOLATION.fullmatch(text), f"{service_name}.{name} is hard-coded"
            default = re.search(r":-([^}]*)\}", text)
            assert default is None or default.group(1) == "", f"{name} has a default secret"
    uri = compose["services"]["backend"]["environment"]["MONGODB_URI"]
    credentials = uri.split("//", 1)[1].split("@", 1)[0]
    assert INTERPOLATION.sub("", credentials) == ":", "MongoDB credentials must come from .env"
    assert compose["services"]["mongodb"]["volumes"], "MongoDB data needs a volume"


def test_env_example_documents_every_variable(compose: dict[str, Any]) -> None:
    text = (ROOT / ".env.example").read_text()
    documented = set(re.findall(r"^([A-Z0-9_]+)=", text, re.MULTILINE))
    referenced = set(INTERPOLATION.findall((ROOT / "docker-compose.yml").read_text()))
    settings = {name.upper() for name in Settings.model_fields}
    assert referenced - documented == set()
    assert settings - documented == set()
    for name in re.findall(r"^([A-Z0-9_]+)=(.+)$", text, re.MULTILINE):
        if SECRET_NAME.search(name[0]) and not name[0].endswith("_FILE"):
            pytest.fail(f".env.example ships a value for the secret {name[0]}")


def test_backend_image_is_slim_non_root_and_healthchecked() -> None:
    text = dockerfile("agents_backend/Dockerfile")
    assert re.search(r"^FROM python:3\.11-slim", text, re.MULTILINE)
    user = re.findall(r"^USER (\S+)", text, re.MULTILINE)
    assert user and user[-1] not in {"root", "0"}
    assert "HEALTHCHECK" in text
    assert "agents_backend.main:socket_app" in text
    for source in re.findall(r"^COPY (?!--from)(?:--\S+ )*(\S+) ", text, re.MULTILINE):
        assert (ROOT / source).exists(), source
    # The visitors' chat page (/c/{slug}) is served by the backend: it carries the SPA.
    assert re.search(r"^COPY --from=spa .*/spa/dist \./agents_frontend/dist$", text, re.MULTILINE)
    assert "fiftyone" not in (ROOT / "requirements.txt").read_text()  # compose has mongodb


def test_nginx_image_builds_the_spa_in_a_build_stage() -> None:
    text = dockerfile("nginx/Dockerfile")
    stages = re.findall(r"^FROM (\S+)(?: AS (\S+))?", text, re.MULTILINE)
    assert len(stages) == 2 and stages[0][1] == "spa"
    assert "npm ci" in text and "npm run build" in text
    assert "COPY --from=spa /spa/dist /usr/share/nginx/html" in text
    assert "HEALTHCHECK" in text
    for sources in re.findall(r"^COPY (?!--from)(.+) \S+$", text, re.MULTILINE):
        for source in sources.split():
            assert (ROOT / source).exists(), source
