"""Production defaults a browser enforces: a Content-Security-Policy on every page that our
pages need no exception to (no inline script or style attribute), HSTS, HTTPS-only cookies
and a redirect from plain HTTP when HTTPS is on, and `check --deploy` clean with the
README's production environment."""

import html
import json
import os
import re
import subprocess
import sys

import httpx
import pytest
from django.contrib.auth.models import User
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.test import RequestFactory

from config.views import server_error
from restaurants.models import StaffMembership
from tests.support.daphne import daphne_server
from tests.support.factories import make_restaurant
from tests.support.production import BASE_DIR, SECRET_KEY, production_env, readme_production_env

INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE), "an inline <script>"),
    (re.compile(r"\sstyle=", re.IGNORECASE), "a style attribute"),
    (re.compile(r"\son[a-z]+=", re.IGNORECASE), "an event handler attribute"),
    (re.compile(r"javascript:", re.IGNORECASE), "a javascript: URL"),
]


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return {d.split(" ", 1)[0]: d.split(" ", 1)[1] for d in header.split("; ")}


@pytest.fixture
def pages(client, restaurant, host):
    """The HTML of each kind of page: the diner's (join, status), the host's, the errors."""
    anonymous = client.get("/waitlist/testbistro/")
    pages = {"join": anonymous, "login": client.get("/accounts/login/"), "404": client.get("/no/such/page")}
    client.post("/waitlist/testbistro/join", {"name": "Ann", "size": "2", "preference": "table",
                                              "request_id": "csp-check-0001"})
    pages["status"] = client.get("/waitlist/testbistro/")
    client.force_login(host)
    for name, path in (("dashboard", "/host/testbistro/"), ("poster", "/host/testbistro/poster"),
                       ("insights", "/host/testbistro/insights")):
        pages[name] = client.get(path)
    return pages


def test_every_page_has_a_strict_policy_and_needs_no_exception(pages):
    for name, response in pages.items():
        directives = policy(response)
        assert directives["default-src"] == "'self'", name
        assert directives["script-src"] == "'self'", name
        assert directives["frame-ancestors"] == "'none'" and directives["object-src"] == "'none'", name
        assert "unsafe" not in response["Content-Security-Policy"], name
        page = response.content.decode()
        for pattern, what in INLINE:
            assert not pattern.search(page), f"the {name} page has {what}: {pattern.search(page).group(0)}"
        assert "<style" not in page, name


def test_htmx_is_told_not_to_inject_styles_or_eval(pages):
    """htmx reads the first htmx-config only: one per page, with the page's own settings in it."""
    for name in ("join", "status", "dashboard"):
        metas = re.findall(r'<meta name="htmx-config" content=\'([^\']*)\'>', pages[name].content.decode())
        assert len(metas) == 1, name
        config = json.loads(html.unescape(metas[0]))
        assert config["includeIndicatorStyles"] is False and config["allowEval"] is False, name
    assert "responseHandling" in pages["dashboard"].content.decode()


def test_the_500_page_styles_itself_with_the_nonce(db):
    """The one inline <style>: the 500 page loads nothing, so it must style itself."""
    request = RequestFactory().get("/")
    response = ContentSecurityPolicyMiddleware(server_error)(request)
    nonce = re.search(r"<style nonce=\"([^\"]+)\">", response.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in policy(response)["style-src"]


@pytest.fixture
def https_url(transactional_db, collected_static):
    """A production server behind a proxy that ends TLS (HTTPS on, X-Forwarded-Proto trusted)."""
    env = production_env(collected_static, HTTPS="1", TRUST_X_FORWARDED_PROTO="1")
    with daphne_server(env=env) as url:
        yield url


def test_with_https_on_plain_http_is_redirected_and_https_is_pinned(https_url):
    restaurant = make_restaurant("bistro")
    User.objects.create_user("hostess", password="floor-pass-123")
    StaffMembership.objects.create(user=User.objects.get(), restaurant=restaurant)
    http = httpx.Client(base_url=https_url)
    plain = http.get("/waitlist/bistro/")
    assert plain.status_code == 301 and plain.headers["location"].startswith("https://")
    # Load balancers and monitors ask over plain HTTP: answered, not redirected (the whole
    # system's check says 503 here, as no worker runs beside this server).
    assert http.get("/healthz/web").status_code == 200
    assert http.get("/healthz").status_code == 503

    secure = http.get("/waitlist/bistro/", headers={"X-Forwarded-Proto": "https"})
    assert secure.status_code == 200
    assert secure.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    cookies = secure.headers.get_list("set-cookie")
    assert cookies and all("; Secure" in cookie for cookie in cookies), cookies
    http.close()


def test_with_https_off_nothing_pins_https(production_url):
    make_restaurant("bistro")
    response = httpx.get(f"{production_url}/waitlist/bistro/")
    assert response.status_code == 200 and "strict-transport-security" not in response.headers
    assert all("Secure" not in cookie for cookie in response.headers.get_list("set-cookie"))


def test_check_deploy_is_clean_with_the_readme_production_environment(tmp_path):
    env = readme_production_env()
    assert {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS"} <= env.keys()
    env["SECRET_KEY"] = SECRET_KEY  # the README makes one; any long random key does
    base = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    result = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                            cwd=BASE_DIR, env={**base, **env, "VAR_DIR": str(tmp_path)},
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout
    assert "WARNING" not in result.stdout + result.stderr
