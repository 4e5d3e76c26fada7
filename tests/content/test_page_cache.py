"""The page cache (focusedcare/pagecache.py): anonymous content pages come from the cache, never
older than staff's last edit, and never with another visitor's nonce, session or form token."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.http import HttpResponse
from django.template import engines
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import path

from booking.models import AccessLog, OpeningHours, Service, ServiceOption, Therapist
from content.models import Page
from focusedcare.pagecache import cached_page

pytestmark = pytest.mark.django_db

SERVICE = "/services/sciatica-piriformis-release/"
NONCE = re.compile(r"'nonce-([^']+)'")


def fetch(path: str, browser: Browser | None = None) -> tuple[str, int]:
    """The page a new visitor gets, and how many queries it took (0: from the cache)."""
    with CaptureQueriesContext(connection) as queries:
        response = (browser or Browser()).get(path)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_the_second_visitor_gets_the_page_from_the_cache(demo):
    first, first_queries = fetch("/")
    second, second_queries = fetch("/")

    assert first_queries > 0 and second_queries == 0
    body_nonce = re.compile(r'nonce="[^"]+"')
    assert body_nonce.sub("", first) == body_nonce.sub("", second)


def test_reading_health_records_in_the_back_office_keeps_the_page_cache(demo):
    """Every view of a session record writes an access-log row; that must not empty the public
    pages' cache on every click in the back office."""
    fetch("/")
    AccessLog.objects.create(action=AccessLog.Action.VIEWED, what="session record", object_id=1)

    assert fetch("/")[1] == 0


def test_a_new_price_shows_at_once(demo):
    assert "$140" in fetch(SERVICE)[0] and "$140" in fetch("/services/")[0]
    option = ServiceOption.objects.get(service__slug="sciatica-piriformis-release", price=140)

    option.price = Decimal("145.00")
    option.save()

    for page in [SERVICE, "/services/"]:
        text = fetch(page)[0]
        assert "$145" in text and "$140" not in text


def test_a_page_edited_in_admin_shows_the_new_words_at_once(admin_client, demo):
    assert "Decoding Your Back Pain" in fetch("/back-pain-guide/")[0]
    guide = Page.objects.get(slug="back-pain-guide")

    response = admin_client.post(
        f"/admin/content/page/{guide.pk}/change/",
        {
            "title": "Understanding Your Back",
            "meta_description": guide.meta_description,
            "body": guide.body,
        },
    )

    assert response.status_code == 302
    text = fetch("/back-pain-guide/")[0]
    assert "Understanding Your Back" in text


def test_a_therapist_who_stops_offering_a_service_leaves_its_page_at_once(demo):
    assert "Maria Alvarez" in fetch(SERVICE)[0]
    maria = Therapist.objects.get(name="Maria Alvarez")

    maria.services.remove(Service.objects.get(slug="sciatica-piriformis-release"))

    assert "Maria Alvarez" not in fetch(SERVICE)[0]


def test_new_opening_hours_show_in_every_pages_footer_at_once(demo):
    assert "9:00 AM" in fetch("/about/")[0]
    fetch("/")
    OpeningHours.objects.update(opens="08:30")  # one write the signals miss...
    OpeningHours.objects.first().save()  # ...and one they see, as any edit in admin

    for page in ["/about/", "/"]:
        assert "8:30 AM" in fetch(page)[0]


def test_a_service_taken_off_the_site_answers_404_at_once(demo):
    fetch(SERVICE)
    service = Service.objects.get(slug="sciatica-piriformis-release")
    service.is_active = False
    service.save()

    assert Browser().get(SERVICE).status_code == 404


def test_each_answer_has_its_own_nonce_in_the_header_and_the_body(demo):
    answers = [Browser().get("/") for _ in range(3)]  # one rendered, two from the cache

    nonces = []
    for response in answers:
        header = NONCE.search(response["Content-Security-Policy"]).group(1)
        body = set(re.findall(r'nonce="([^"]+)"', response.content.decode()))
        assert body == {header}
        nonces.append(header)
    assert len(set(nonces)) == 3


def test_no_session_or_form_token_is_in_a_cached_page(demo):
    for _ in range(2):
        response = Browser().get("/")
        assert not response.cookies
        assert "csrfmiddlewaretoken" not in response.content.decode()
        assert "Cookie" in response["Vary"]


def test_staff_never_get_the_anonymous_copy_and_never_leave_theirs(admin_client, demo):
    staff_page, staff_queries = fetch("/", admin_client)  # first: nothing cached yet
    assert staff_queries > 0
    _, anonymous_queries = fetch("/")
    assert anonymous_queries > 0  # the staff member's visit left nothing for others
    assert fetch("/")[1] == 0

    assert fetch("/", admin_client)[1] > 0  # the anonymous copy is not given to staff


def test_an_address_with_a_query_string_is_rendered_not_stored(demo):
    fetch("/?utm_source=flyer")

    assert fetch("/?utm_source=flyer")[1] > 0
    assert fetch("/")[1] > 0


def _form(request):
    html = '<form method="post">{% csrf_token %}</form><script nonce="{{ csp_nonce }}"></script>'
    _form.rendered += 1
    return HttpResponse(engines["django"].from_string(html).render({}, request))


_form.rendered = 0


def _token_in_a_script(request):
    html = '<script nonce="{{ csp_nonce }}">const token = "{{ csrf_token }}";</script>'
    _token_in_a_script.rendered += 1
    return HttpResponse(engines["django"].from_string(html).render({}, request))


_token_in_a_script.rendered = 0


def _refused(request):
    return HttpResponse("Not here", status=410)


urlpatterns = [
    path("form/", cached_page(_form)),
    path("script/", cached_page(_token_in_a_script)),
    path("gone/", cached_page(_refused)),
]


def test_a_page_with_a_form_gives_each_visitor_a_token_of_their_own(settings):
    settings.ROOT_URLCONF = __name__
    _form.rendered = 0
    first, second = Browser().get("/form/"), Browser().get("/form/")

    assert _form.rendered == 1  # the second from the cache
    token = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
    assert token.search(first.content.decode()).group(1) != token.search(
        second.content.decode()
    ).group(1)
    assert first.cookies and second.cookies  # each got its own CSRF cookie


def test_a_form_token_outside_a_form_field_is_never_stored(settings):
    settings.ROOT_URLCONF = __name__
    _token_in_a_script.rendered = 0

    first, second = Browser().get("/script/"), Browser().get("/script/")

    assert _token_in_a_script.rendered == 2
    assert first.content != second.content


def test_an_error_page_is_never_stored(settings):
    from django.core.cache import cache

    settings.ROOT_URLCONF = __name__

    assert Browser().get("/gone/").status_code == 410
    assert not [key for key in cache._cache if "page:" in key]  # locmem's own dict
