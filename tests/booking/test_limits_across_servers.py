"""The abuse limits hold across app servers: two gunicorn processes on one Redis database (12)
and one SQLite file, requests alternating between them, counted together. Behind one proxy
(PROXY_COUNT=1), each visitor comes from its own address. The servers start once for the module."""

import sqlite3
from datetime import date, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from bs4 import BeautifulSoup
from django.utils import timezone

from tests.booking.test_views_book import DETAILS
from tests.booking.test_views_gift import ORDER
from tests.servers import Visitor, app_servers

SERVICE = "deep-tissue-myoskeletal-alignment"
CREATE_DESK = (
    "shell -c from django.contrib.auth.models import User; "
    "User.objects.create_user('desk', password='Desk-Pass-42', is_staff=True)"
)


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    folder = tmp_path_factory.mktemp("servers")
    with app_servers(
        folder,
        redis_db=12,
        setup=("seed_demo", CREATE_DESK),
        PROXY_COUNT="1",
        BOOKING_RATE_PER_ADDRESS="3/h",
        BOOKING_RATE_PER_EMAIL="3/h",
        GIFT_ORDER_RATE_PER_ADDRESS="3/h",
        GIFT_EMAIL_RATE_PER_ADDRESS="2/h",
        STAFF_LOGIN_FAILURES="3",
    ) as urls:
        yield urls, folder / "db.sqlite3"


def rows(database, sql: str) -> int:
    with sqlite3.connect(database) as connection:
        return connection.execute(sql).fetchone()[0]


def free_times(url: str, count: int) -> list[dict]:
    """`count` choices that cannot clash: the first free time of each of the next open days
    (the page of times starts at the day asked for, or the next one with times)."""
    visitor, found = Visitor(), []
    day = timezone.localdate() + timedelta(days=3)
    query = {"service": SERVICE, "minutes": 60, "therapist": "any"}
    while len(found) < count:
        _, html = visitor.get(f"{url}/book/?{urlencode({**query, 'day': day})}")
        first = BeautifulSoup(html, "html.parser").select_one("a.time")
        offered = parse_qs(urlsplit(first["href"]).query)
        found.append({**query, "day": offered["day"][0], "time": offered["time"][0]})
        day = date.fromisoformat(offered["day"][0]) + timedelta(days=1)
    return found


def book(servers, n: int, visitor: Visitor, choice: dict, email: str) -> int:
    url = servers[n % 2]
    visitor.get(f"{url}/book/?{urlencode(choice)}")
    status, _ = visitor.post(f"{url}/book/", {**choice, **DETAILS, "email": email, "confirm": "1"})
    return status


def test_bookings_per_address_and_per_email_are_counted_across_servers(servers):
    urls, database = servers
    times = iter(free_times(urls[0], 9))
    before = rows(database, "SELECT count(*) FROM booking_appointment")
    one_address = Visitor(address="198.51.100.1")

    per_address = [
        book(urls, n, one_address, next(times), f"client{n}@example.com") for n in range(4)
    ]
    per_email = [
        book(urls, n, Visitor(address=f"198.51.100.{10 + n}"), next(times), "same@example.com")
        for n in range(4)
    ]

    assert per_address == [302, 302, 302, 429]
    assert per_email == [302, 302, 302, 429]
    assert rows(database, "SELECT count(*) FROM booking_appointment") == before + 6


def test_gift_orders_and_gift_emails_are_counted_across_servers(servers):
    urls, database = servers
    before = rows(database, "SELECT count(*) FROM booking_giftcertificate")
    buyer = Visitor(address="198.51.100.77")

    def order(n: int, **changes) -> int:
        url = urls[n % 2]
        buyer.get(f"{url}/gift-certificates/")
        return buyer.post(f"{url}/gift-certificates/", {**ORDER, **changes})[0]

    statuses = [
        order(0),
        order(1),
        order(2),  # a third certificate emailed to someone else
        order(3, send_to="me"),
        order(4, send_to="me"),  # a fourth order
    ]

    assert statuses == [302, 302, 429, 302, 429]
    assert rows(database, "SELECT count(*) FROM booking_giftcertificate") == before + 3


def test_a_staff_login_locked_on_one_server_is_locked_on_the_other(servers):
    urls, _ = servers
    guesser = Visitor(address="198.51.100.99")

    def log_in(n: int, password: str) -> int:
        guesser.get(f"{urls[n % 2]}/admin/login/")
        return guesser.post(
            f"{urls[n % 2]}/admin/login/", {"username": "desk", "password": password}
        )[0]

    guesses = [log_in(n, "guess") for n in range(3)]
    right_password = log_in(3, "Desk-Pass-42")
    elsewhere = Visitor(address="198.51.100.100")
    elsewhere.get(f"{urls[0]}/admin/login/")
    other_address = elsewhere.post(
        f"{urls[0]}/admin/login/", {"username": "desk", "password": "Desk-Pass-42"}
    )[0]

    assert guesses == [400, 400, 429]
    assert right_password == 429
    assert other_address == 302


def test_a_time_booked_on_one_server_leaves_the_other_servers_page_at_once(servers):
    """Each server keeps the version tokens in its own process (focusedcare/version_watch.py)
    and its pages in the shared cache: a booking through one server must reach the page of
    times the other one serves on the very next visit."""
    urls, _ = servers
    day = timezone.localdate() + timedelta(days=20)
    query = {"service": SERVICE, "minutes": 60, "therapist": "maria-alvarez", "day": day}
    page = f"{urls[1]}/book/?{urlencode(query)}"

    def offered() -> list[str]:
        _, html = Visitor().get(page)
        return [link["href"] for link in BeautifulSoup(html, "html.parser").select("a.time")]

    before = offered()
    assert before and offered() == before  # the second from what the server kept
    choice = {name: values[0] for name, values in parse_qs(urlsplit(before[0]).query).items()}

    status = book(urls, 0, Visitor(address="198.51.100.200"), choice, "across@example.com")

    assert status == 302
    after = offered()
    assert before[0] not in after
    assert set(after) < set(before)
