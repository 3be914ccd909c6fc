"""Static files through WhiteNoise. As production serves them (DEBUG off, collected): every
file a page links has a hashed name, is cached for a year and comes compressed when the
browser asks. With DEBUG on (make run, the test servers) they come from the source folders,
nothing collected first. A path that climbs out of the static folder is a 404 either way."""

import http.client
import re
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.factories import make_restaurant

YEAR = "max-age=315360000, public, immutable"
CLIMBS = ["/static/..%2f..%2fconfig/settings.py", "/static/%2e%2e/%2e%2e/config/settings.py",
          "/static/../../config/settings.py", "/static/css/..%2f..%2f..%2fconfig%2fsettings.py",
          "/static/..%5c..%5cconfig%5csettings.py"]


def linked_static(page: str) -> list[str]:
    return sorted(set(re.findall(r'(?:href|src)="(/static/[^"]+)"', page)))


def raw_get(base: str, path: str) -> tuple[int, bytes]:
    """GET ``path`` byte for byte as written (an HTTP library would tidy the dots away)."""
    address = urlsplit(base)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_linked_files_have_hashed_names_a_year_of_cache_and_compression(production_url):
    make_restaurant("bistro")
    http = httpx.Client(base_url=production_url)
    files = linked_static(http.get("/waitlist/bistro/").text)
    assert any("/css/app." in f for f in files) and any("htmx-2.min." in f for f in files), files
    for path in files:
        assert re.search(r"\.[0-9a-f]{12}\.\w+$", path), f"{path} has no content hash in its name"
        for encoding in ("br", "gzip"):
            response = http.get(path, headers={"Accept-Encoding": encoding})
            assert response.status_code == 200, path
            assert response.headers["cache-control"] == YEAR, path
            assert response.headers["content-encoding"] == encoding, path
            assert "Accept-Encoding" in response.headers["vary"], path
        plain = http.get(path, headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers and len(plain.content) > 0
    http.close()


@pytest.mark.parametrize("path", CLIMBS)
def test_a_path_out_of_the_static_folder_is_not_found_in_production(production_url, path):
    status, body = raw_get(production_url, path)
    assert status == 404 and b"SECRET_KEY" not in body


@pytest.mark.parametrize("path", CLIMBS)
def test_a_path_out_of_the_static_folder_is_not_found_with_debug_on(live_url, path):
    status, body = raw_get(live_url, path)
    assert status == 404 and b"SECRET_KEY" not in body


def test_with_debug_on_files_come_from_the_source_folders(live_url, transactional_db):
    make_restaurant("bistro")
    page = httpx.get(f"{live_url}/waitlist/bistro/").text
    files = linked_static(page)
    assert "/static/css/app.css" in files  # plain names: nothing was collected
    for path in files:
        assert httpx.get(f"{live_url}{path}").status_code == 200, path
