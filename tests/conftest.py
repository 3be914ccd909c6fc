"""Fixtures only; the helpers they use live in tests/support/."""

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.utils import translation

from restaurants.models import StaffMembership
from tests.support.clients import Browser
from tests.support.daphne import daphne_server
from tests.support.factories import make_restaurant
from tests.support.host_pages import Host, labels
from tests.support.production import collect_static, production_env
from tests.support.redis_servers import Server
from waitlist import redis_client
from waitlist.redis_client import get_redis


@pytest.fixture(autouse=True)
def english_after_each_test():
    """Django's test client leaves the language of its last request active in the test's
    thread; each test starts from the default, as each request of a server does."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def clean_redis():
    """Each test starts from an empty live queue. Restaurant ids repeat between tests
    (the database rolls back), so leftover keys would otherwise leak into the next test."""
    get_redis().flushdb()
    yield


@pytest.fixture
def restaurant(db):
    return make_restaurant()


@pytest.fixture
def tables(restaurant):
    """The test restaurant's table ids by label."""
    return {t.label: t.id for t in restaurant.tables.all()}


@pytest.fixture
def host(db, restaurant):
    user = User.objects.create_user("host", password="hostpass-123")
    StaffMembership.objects.create(user=user, restaurant=restaurant)
    return user


@pytest.fixture(params=["htmx", "plain"])
def hosting(request, client, host):
    """The host signed in, acting through the dashboard with htmx and without (each test twice)."""
    client.force_login(host)
    return Host(client, htmx=request.param == "htmx")


@pytest.fixture
def t(restaurant):
    """Table label -> id, for the test restaurant."""
    return labels(restaurant)


@pytest.fixture
def own_redis(settings):
    """Point this test process's live-queue client at a server the test controls."""
    started = []

    def use(server: Server) -> Server:
        started.append(server)
        settings.REDIS_URL = server.url
        redis_client.reset_redis()
        return server

    yield use
    redis_client.reset_redis()
    for server in started:
        server.stop()


@pytest.fixture
def live_url(transactional_db):
    """A real daphne server on the test database."""
    with daphne_server() as url:
        yield url


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """Static files collected once per test run, as production serves them."""
    root = tmp_path_factory.mktemp("static")
    collect_static(root)
    return root


@pytest.fixture
def production_url(transactional_db, collected_static):
    """A real daphne server started as production is (DEBUG off), over plain HTTP."""
    with daphne_server(env=production_env(collected_static)) as url:
        yield url


@pytest.fixture
def browsers(live_url):
    """Opens browsers (cookie jars with CSRF and SSE) on the live server; closes them after."""
    opened = []

    def open_browser():
        browser = Browser(live_url)
        opened.append(browser)
        return browser

    yield open_browser
    for browser in opened:
        browser.close()


@pytest.fixture
def push_service(settings):
    """A push service on loopback, and the app's VAPID keys to sign for it."""
    from tests.support.push_service import PushService, vapid_keys

    settings.VAPID_PRIVATE_KEY, settings.VAPID_PUBLIC_KEY = vapid_keys()
    settings.VAPID_SUBJECT = "mailto:host@example.com"
    service = PushService(server_public_key=settings.VAPID_PUBLIC_KEY).start()
    yield service
    service.stop()


@pytest.fixture
def twilio(settings):
    """Twilio's Messages API on loopback, with the app pointed at it."""
    from tests.support.twilio_stub import ACCOUNT, FROM, TOKEN, TwilioStub

    stub = TwilioStub().start()
    settings.SMS_BACKEND, settings.TWILIO_BASE_URL = "twilio", stub.url
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, settings.TWILIO_FROM = ACCOUNT, TOKEN, FROM
    yield stub
    stub.stop()
