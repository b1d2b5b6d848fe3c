"""A browser typing `/tasks` (or reloading any SPA page whose path is also an API's)
gets the SPA; API clients keep getting JSON. Through the backend's own port and
through the repository's nginx config."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.pages.conftest import INDEX_HTML
from tests.support.servers import ServerProcess
from tests.support.services import Service, start_nginx

BROWSER_NAVIGATION = {
    "Sec-Fetch-Mode": "navigate",
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
}
AXIOS = {"Accept": "application/json, text/plain, */*"}
SHARED_PATHS = ["/tasks", "/usage", "/admin/users", "/tasks/"]


@pytest.fixture(scope="module")
def nginx_front(
    pages_server: ServerProcess, spa_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    backend = pages_server.base_url.removeprefix("http://")
    proxy: Service = start_nginx(
        tmp_path_factory.mktemp("nginx"), backends=[backend], spa_root=spa_root
    )
    yield f"http://127.0.0.1:{proxy.port}"
    proxy.stop()


@pytest.fixture(params=["backend", "nginx"])
def base_url(request: pytest.FixtureRequest, pages_server: ServerProcess) -> str:
    if request.param == "nginx":
        return str(request.getfixturevalue("nginx_front"))
    return pages_server.base_url


@pytest.mark.parametrize("path", SHARED_PATHS)
def test_a_browser_navigation_gets_the_spa_and_an_api_client_json(base_url: str, path: str) -> None:
    page = httpx.get(base_url + path, headers=BROWSER_NAVIGATION)
    assert page.status_code == 200
    assert page.text == INDEX_HTML
    assert page.headers["content-type"].startswith("text/html")

    # Accept naming HTML first counts as a navigation even without Sec-Fetch headers.
    older_browser = httpx.get(base_url + path, headers={"Accept": "text/html"})
    assert older_browser.text == INDEX_HTML

    for headers in (AXIOS, {"Accept": "application/json"}, {"Accept": "*/*"}, {}):
        api = httpx.get(base_url + path, headers=headers, follow_redirects=False)
        # `/tasks/` is no API route: a JSON 404 (or the router's redirect to `/tasks`).
        assert api.status_code in ((401,) if path != "/tasks/" else (307, 404)), api.text
        if api.status_code != 307:
            assert api.json()["code"] in ("unauthenticated", "not_found")

    # A navigation that names JSON is an API call (what a REST tool in a tab would send).
    both = httpx.get(base_url + path, headers={**BROWSER_NAVIGATION, "Accept": "application/json"})
    assert both.status_code in (401, 307, 404) and "<html" not in both.text


def test_only_reads_are_navigations(base_url: str) -> None:
    posted = httpx.post(base_url + "/tasks", headers=BROWSER_NAVIGATION, json={"title": "x"})
    assert posted.status_code == 401 and posted.json()["code"] == "unauthenticated"


def test_other_api_paths_stay_the_api_even_for_a_browser(base_url: str) -> None:
    """Only SPA pages are rewritten: the API's other GET routes are not."""
    for path in ("/admin/usage", "/auth/me", "/calendar/events"):
        response = httpx.get(base_url + path, headers=BROWSER_NAVIGATION)
        assert response.status_code in (401, 404, 405), path
        assert "<html" not in response.text.lower()
    health = httpx.get(base_url + "/health", headers=BROWSER_NAVIGATION)
    assert health.json()["status"]


def test_spa_only_pages_reload_as_the_spa(base_url: str) -> None:
    for path in ("/meetings", "/account", "/tasks?agent=sdr"):
        page = httpx.get(base_url + path, headers=BROWSER_NAVIGATION)
        assert page.status_code == 200 and page.text == INDEX_HTML, path
