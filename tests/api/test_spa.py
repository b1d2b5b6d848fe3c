"""The built SPA served by the backend: files, history-mode fallback, API untouched."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from agents_backend.ops.spa import mount_spa


def build_dist(root: Path) -> Path:
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text("<!doctype html><div id=app></div>")
    (root / "assets" / "app-1a2b.js").write_text("console.log('app')")
    return root


def app_with_spa(dist: Path) -> TestClient:
    api = FastAPI()

    @api.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    mount_spa(api, dist)
    return TestClient(api)


def test_assets_index_and_history_fallback(tmp_path: Path) -> None:
    client = app_with_spa(build_dist(tmp_path / "dist"))

    asset = client.get("/assets/app-1a2b.js")
    assert asset.status_code == 200
    assert "immutable" in asset.headers["cache-control"]
    deep_link = client.get("/chat/sdr/lead-1", headers={"accept": "text/html"})
    assert deep_link.status_code == 200
    assert "<div id=app>" in deep_link.text
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/no-such-api", headers={"accept": "application/json"}).status_code == 404


def test_paths_cannot_escape_the_dist_folder(tmp_path: Path) -> None:
    dist = build_dist(tmp_path / "dist")
    (tmp_path / "private.txt").write_text("do not serve")
    client = app_with_spa(dist)

    escaped = client.get("/%2e%2e/private.txt", headers={"accept": "application/json"})

    assert escaped.status_code == 404
    assert "do not serve" not in escaped.text


def test_no_dist_no_catch_all(tmp_path: Path) -> None:
    client = app_with_spa(tmp_path / "missing")
    assert client.get("/anything", headers={"accept": "text/html"}).status_code == 404
