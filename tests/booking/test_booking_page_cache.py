"""The booking pages and the balance page from the page cache (focusedcare/pagecache.py): the
next anonymous visitor gets the page without a query, never a time booked since, never a time
the clock has taken away, and always a form token of their own that the form accepts."""

import re
from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from booking.forms import CARRIED_ANSWERS
from booking.models import BookingPolicy
from booking.services.appointments import book_appointment
from booking.services.clients import ClientDetails
from booking.times import TIME_TO_BOOK
from tests.booking.test_views_book import CONTACT, DETAILS, flow, local
from tests.booking.test_views_gift import issued

pytestmark = pytest.mark.django_db

TIMES = "/book/?service=deep-tissue&minutes=60"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NONCE = re.compile(r'nonce="[^"]+"')


@pytest.fixture
def day():
    return timezone.localdate() + timedelta(days=3)


def fetch(path: str, browser: Browser | None = None):
    """The page a visitor gets, and how many queries it took (0: from the cache)."""
    with CaptureQueriesContext(connection) as queries:
        response = (browser or Browser()).get(path)
    assert response.status_code == 200, path
    return response, len(queries)


def times_shown(response) -> list[str]:
    return [a["href"] for a in BeautifulSoup(response.content, "html.parser").select("a.time")]


def details_url(day, hour="10:00") -> str:
    return "/book/?" + urlencode(flow(day, hour))


def test_the_next_visitor_gets_the_page_of_times_without_a_query(clinic_week):
    first, first_queries = fetch(TIMES)
    second, second_queries = fetch(TIMES)

    assert first_queries > 0 and second_queries == 0
    assert times_shown(second) == times_shown(first) and times_shown(first)
    assert NONCE.sub("", first.content.decode()) == NONCE.sub("", second.content.decode())


def test_a_time_booked_by_someone_leaves_the_page_of_times_at_once(clinic_week, day):
    url = f"{TIMES}&therapist=maria&from={day.isoformat()}"
    before = times_shown(fetch(url)[0])
    taken = next(href for href in before if "time=10:00" in href)

    book_appointment(
        option=clinic_week.option,
        start=local(day, "10:00"),
        therapist=clinic_week.therapist,
        client=ClientDetails(**CONTACT),
    )

    after, queries = fetch(url)
    assert queries > 0
    assert taken not in times_shown(after)


def test_a_time_the_clock_takes_away_is_gone_the_next_minute(clinic_week, monkeypatch):
    first = times_shown(fetch(TIMES)[0])[0]
    assert fetch(TIMES)[1] == 0
    day = re.search(r"day=([\d-]+)", first).group(1)
    hour, minute = re.search(r"time=(\d\d):(\d\d)", first).groups()
    start = local(date.fromisoformat(day), f"{hour}:{minute}")
    # The first minute at which that time is too close to book online.
    too_close = start - BookingPolicy.current().min_notice - TIME_TO_BOOK + timedelta(minutes=1)
    assert too_close > timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: too_close)

    page, queries = fetch(TIMES)

    assert queries > 0  # rendered again for the new minute
    assert first not in times_shown(page)


def test_each_visitor_gets_a_form_token_of_their_own_that_books(clinic_week, day):
    url = details_url(day)
    fetch(url)  # rendered and kept
    visitor = Browser(enforce_csrf_checks=True)

    page, queries = fetch(url, visitor)
    assert queries == 0
    token = TOKEN.search(page.content.decode()).group(1)
    assert token != TOKEN.search(fetch(url)[0].content.decode()).group(1)
    assert settings.CSRF_COOKIE_NAME in visitor.cookies

    review = visitor.post("/book/", {**flow(day), **DETAILS, "csrfmiddlewaretoken": token})
    assert review.status_code == 200
    assert "Check and confirm" in review.content.decode()


def test_a_visitor_with_typed_details_gets_a_page_of_their_own(client, clinic_week, day):
    url = details_url(day)
    fetch(url)
    client.post("/book/", {**flow(day), **DETAILS})  # the details are kept in their session

    page, queries = fetch(url, client)

    assert queries > 0
    assert CONTACT["email"] in page.content.decode()
    assert CONTACT["email"] not in fetch(url)[0].content.decode()


def test_find_my_massage_answers_never_reach_another_visitor(clinic_week, day):
    answered = Browser()
    answered.post("/find-my-massage/", {"areas": ["lower_back"], "duration": "weeks"})
    assert CARRIED_ANSWERS in answered.cookies
    url = details_url(day)

    filled, _ = fetch(url, answered)
    fresh, _ = fetch(url)

    ticked = 'value="lower_back" checked'
    assert re.search(r'value="lower_back"[^>]*checked', filled.content.decode())
    assert not re.search(r'value="lower_back"[^>]*checked', fresh.content.decode()), ticked


def test_the_blank_questionnaire_comes_from_the_cache_and_the_answers_never_do(
    clinic_week, monkeypatch
):
    import content.views

    built = []

    class Counted(content.views.FindMyMassageForm):
        def __init__(self, *args, **kwargs):
            built.append(args)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(content.views, "FindMyMassageForm", Counted)
    fetch("/find-my-massage/")
    visitor = Browser(enforce_csrf_checks=True)

    page, _ = fetch("/find-my-massage/", visitor)

    assert built == [()]  # rendered for the first visitor only
    assert "no-store" not in page.get("Cache-Control", "")
    token = TOKEN.search(page.content.decode()).group(1)
    answers = {"areas": ["lower_back"], "duration": "weeks", "csrfmiddlewaretoken": token}
    answered = visitor.post("/find-my-massage/", answers)
    assert answered.status_code == 200 and "no-store" in answered["Cache-Control"]
    assert "What we suggest" in answered.content.decode()
    blank, _ = fetch("/find-my-massage/")
    assert not re.search(r'value="lower_back"[^>]*checked', blank.content.decode())


def test_an_address_with_anything_else_is_rendered_and_not_kept(clinic_week):
    fetch(f"{TIMES}&utm_source=flyer")

    assert fetch(f"{TIMES}&utm_source=flyer")[1] > 0
    fetch(f"{TIMES}&minutes=60")  # a parameter twice: never kept
    assert fetch(f"{TIMES}&minutes=60")[1] > 0
    assert fetch(TIMES)[1] > 0  # neither left a copy for the plain address


def test_a_link_that_cannot_be_followed_is_never_kept(clinic_week):
    assert Browser().get("/book/?service=no-such-massage").status_code == 400

    with CaptureQueriesContext(connection) as queries:
        Browser().get("/book/?service=no-such-massage")
    assert len(queries) > 0


def test_the_balance_page_comes_from_the_cache_with_a_token_that_checks_a_code(demo):
    certificate = issued("75")
    fetch("/gift-certificates/balance/")
    visitor = Browser(enforce_csrf_checks=True)

    page, queries = fetch("/gift-certificates/balance/", visitor)
    assert queries == 0
    token = TOKEN.search(page.content.decode()).group(1)
    checked = visitor.post(
        "/gift-certificates/balance/",
        {"code": certificate.display_code, "csrfmiddlewaretoken": token},
    )
    assert checked.status_code == 200
    assert "Balance: $75" in checked.content.decode()
