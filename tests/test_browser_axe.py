"""axe-core (from the npm registry, injected by the test) on every page and state a diner
and a host reach, on a phone and on a tablet; and that the check itself can fail."""

import pytest

from tests.support.axe import assert_accessible
from tests.support.browser import BrowserTestCase
from tests.support.factories import make_restaurant


class AxeTests(BrowserTestCase):
    def setUp(self):
        self.restaurant = make_restaurant("bistro", name="Bistro Verde")

    def test_the_check_fails_on_a_page_with_a_violation(self):
        page = self.new_page()
        page.goto("/waitlist/bistro/")
        assert_accessible(page, context="join page")
        # An image with no text alternative and a button with no name: axe must say so.
        page.evaluate("""() => { document.querySelector("main").insertAdjacentHTML("beforeend",
            '<img src="/static/favicon.svg"><button type="button"></button>'); }""")
        with pytest.raises(AssertionError) as failure:
            assert_accessible(page, context="join page with a nameless image and button")
        assert "image-alt" in str(failure.value) and "button-name" in str(failure.value)
