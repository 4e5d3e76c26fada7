"""Hostile input never gets a 5xx, and a request the site refuses writes nothing.

The pages driven are found from the URL resolver: every pattern outside the admin, and every
back-office page of our own (a new pattern is covered without editing this file). Path
converters are filled with values of their shape and with anything else; query strings and forms
carry a working booking, gift order or calendar query with some of its fields replaced by hostile
values (NUL and control characters, huge strings, far dates, odd digits, unknown ids, repeats).
"""

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote, urlencode

import pytest
from django import forms
from django.conf import settings as django_settings
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core import signals
from django.core.cache import cache
from django.db import close_old_connections
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.urls.converters import get_converters
from django.urls.resolvers import RoutePattern
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from booking.availability import Availability, policy_days
from booking.backoffice.forms import ClinicCancelForm, MoveForm, PhoneBookingForm
from booking.backoffice.roles import OWNER, THERAPIST
from booking.forms import (
    BalanceForm,
    CancelForm,
    DetailsForm,
    GiftPurchaseForm,
    IntakeForm,
    SelectionForm,
)
from booking.models import (
    Appointment,
    GiftCertificate,
    GiftLedgerEntry,
    GiftSettings,
    Intake,
    OutboundEmail,
    Service,
    ServiceOption,
    Therapist,
)
from booking.models import Client as ClientRow
from content.forms import FindMyMassageForm
from tests.factories import AppointmentFactory, ClientFactory

pytestmark = pytest.mark.django_db

# Each example sweeps every route of its kind (GET and POST): 10 examples are 420 public
# requests. Bounded so that the file stays well under a minute on a 2-core machine.
HYPOTHESIS = settings(
    max_examples=10,
    deadline=None,
    database=None,  # nothing written into the work tree
    # One demo clinic per test, shared by its examples: rows a request writes stay for the next.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
BACK_OFFICE_EXAMPLES = settings(HYPOTHESIS, max_examples=6)


# The forms the public pages read, and the names views read outside forms.
PUBLIC_FORMS = [
    SelectionForm,
    DetailsForm,
    IntakeForm,
    CancelForm,
    GiftPurchaseForm,
    BalanceForm,
    FindMyMassageForm,
]
PUBLIC_NAMES = ["from", "assigned", "gift_code", "confirm", "remove_gift", "p"]
BACKOFFICE_FORMS = [PhoneBookingForm, MoveForm, ClinicCancelForm]
BACKOFFICE_NAMES = ["date", "minutes", "from", "to", "therapist", "start"]

HOSTILE = [
    "\x00",
    "Ann\x00Client",
    "\x01\x08\x1b\x7f",
    "Ann\x0bClient",
    "0001-01-01",
    "9999-12-31",
    "99999-01-01",
    "2026-02-30",
    "-1",
    "0",
    "-99999999999999999999",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "²",
    "١٢٠",
    "24:00",
    "23:59:59.999999+14:00",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "\ufffd",
    "\u202egnp.exe",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "x" * 5000,
    "9" * 5000,
    "",
    " ",
]
hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.sampled_from(HOSTILE),  # twice: the known traps are drawn more often than noise
    st.text(max_size=40),
    st.text(st.characters(max_codepoint=0x20), max_size=10),
)


def field_names(form_classes: list[type[forms.Form]], extra: list[str]) -> list[str]:
    return sorted({name for form in form_classes for name in form.base_fields} | set(extra))


def fitting_value(name: str, field: forms.Field) -> str | list[str]:
    """A value the field accepts, so that hostile values reach past the first refusal."""
    if isinstance(field, forms.MultipleChoiceField):
        return [str(field.choices[0][0])]
    if isinstance(field, forms.ChoiceField) and field.choices:
        return str(next((value for value, _ in field.choices if value != ""), ""))
    if isinstance(field, forms.BooleanField):
        return "on"
    if isinstance(field, forms.EmailField):
        return "ann@example.com"
    if isinstance(field, forms.CharField):
        if "phone" in name:
            return "717-555-0100"
        # Its own words per field: a gift message never reads like an intake answer, which
        # the suite's no-health-answers-in-emails check would rightly refuse.
        return "Ann Client" if "name" in name else f"Words typed as {name}"
    return ""


@dataclass
class Route:
    route: str
    namespace: str | None
    name: str | None


def routes(resolver: URLResolver | None = None, prefix: str = "", namespace=None) -> Iterator:
    """Every URL pattern with its full route, include()s walked."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from routes(entry, prefix + str(entry.pattern), entry.namespace or namespace)
        else:
            assert isinstance(entry.pattern, RoutePattern) or namespace == "admin", (
                f"{prefix}{entry.pattern}: fill its regex here so hostile input reaches it"
            )
            yield Route(prefix + str(entry.pattern), namespace, entry.name)


ALL_ROUTES = list(routes())
PUBLIC = [r for r in ALL_ROUTES if not r.route.startswith("admin/")]
BACKOFFICE = [r for r in ALL_ROUTES if r.namespace == "backoffice"]
PARAMETER = re.compile(r"<(?:(?P<kind>\w+):)?(?P<name>\w+)>")


def _escaped(text: str) -> str:
    return quote(text, safe="") or "%00"


def _shaped(kind: str):
    """Values a path converter accepts: they reach the view (an unknown id, a random token)."""
    regex = get_converters()[kind].regex
    shaped = st.from_regex(regex, fullmatch=True).filter(lambda text: "/" not in text)
    if kind == "path":
        shaped = st.from_regex(regex, fullmatch=True)
    return shaped.map(lambda text: quote(text, safe="/"))


SHAPED = {kind: _shaped(kind) for kind in get_converters()}
ANYTHING = hostile_text.map(_escaped)


def fill(route: str, draw, known: dict[str, list[str]]) -> str:
    """The route with each parameter filled: a known value, one of the converter's shape (an
    unknown id or token), or anything at all (percent-encoded)."""

    def value(match: re.Match) -> str:
        kind, name = match["kind"] or "str", match["name"]
        choices = [SHAPED[kind], ANYTHING]
        if known.get(name):
            choices.insert(0, st.sampled_from(known[name]))
        return draw(st.one_of(*choices))

    return "/" + PARAMETER.sub(value, route)


def query_pairs(draw, base: dict, names: list[str], most: int = 3) -> list[tuple[str, str]]:
    """A working set of values with some replaced, repeated or added by hostile ones."""
    values = dict(base)
    for name in draw(st.lists(st.sampled_from(names), max_size=most, unique=True)):
        values[name] = draw(hostile_text)
    pairs = [
        (name, item)
        for name, value in values.items()
        for item in (value if isinstance(value, list) else [value])
    ]
    repeats = draw(st.lists(st.tuples(st.sampled_from(names), hostile_text), max_size=2))
    return pairs + repeats


def snapshot() -> tuple:
    """What a request could write: rows counted, and the appointments' and gifts' state."""
    counts = {
        model.__name__: model.objects.count()
        for model in (
            Appointment,
            ClientRow,
            GiftCertificate,
            GiftLedgerEntry,
            OutboundEmail,
            Intake,
        )
    }
    appointments = list(Appointment.objects.order_by("pk").values_list("pk", "start", "status"))
    gifts = list(GiftCertificate.objects.order_by("pk").values_list("pk", "balance", "status"))
    return counts, appointments, gifts


def check(client: Client, method: str, path: str, pairs: list, **extra):
    """Send the request; never a 5xx, and nothing written when it was refused."""
    before = snapshot()
    if method == "GET":
        response = client.get(f"{path}?{urlencode(pairs)}" if pairs else path, **extra)
    else:
        body = urlencode(pairs)
        content_type = "application/x-www-form-urlencoded"
        response = client.generic("POST", path, body, content_type=content_type, **extra)
    assert response.status_code < 500, (method, path, pairs, response.status_code)
    if 400 <= response.status_code < 500:
        assert snapshot() == before, (method, path, pairs, response.status_code)
    return response


@pytest.fixture
def site(demo, settings):
    """The demo clinic, bookings and a gift certificate to open by their links, and the values
    of bookings, gift orders and balance checks that would go through."""
    settings.STRIPE_WEBHOOK_SECRET = "whsec_hostile_input_test"
    cache.clear()
    option = ServiceOption.objects.filter(is_active=True).select_related("service").first()
    first, last = policy_days()
    availability = Availability(option=option, first_day=first, last_day=last)
    slots = [slot for day in availability.days_with_slots() for slot in availability.slots(day)]
    bookings = [
        AppointmentFactory(
            client=ClientFactory(),
            therapist=slots[-1].therapist,
            option=option,
            # Past the horizon, a day apart: never on a time the examples book.
            start=timezone.localtime(slots[-1].start) + timedelta(days=7 + n),
        )
        for n in range(3)
    ]
    gift = GiftCertificate.objects.exclude(token="").first()
    base = {}
    for form in PUBLIC_FORMS:
        for name, field in form.base_fields.items():
            base.setdefault(name, fitting_value(name, field))
    presets = GiftSettings.current().presets
    base.update(
        service=option.service.slug,
        minutes=str(option.duration_minutes),
        gift=f"amount-{presets[0]}" if presets else "custom",
        custom_amount="75",
        send_to="me",
        deliver="now",
        deliver_on="",
        code=gift.code if gift else "",
        request_key="",
        red_flags=[],
    )
    free = [
        {
            "therapist": slot.therapist.slug,
            "day": timezone.localdate(slot.start).isoformat(),
            "time": f"{timezone.localtime(slot.start):%H:%M}",
        }
        for slot in slots[::7][:20]
    ]
    return {
        "base": base,
        "free": free,
        "known": {
            "token": [b.token for b in bookings] + ([gift.token] if gift else []),
            "slug": [option.service.slug, slots[0].therapist.slug],
        },
    }


@given(data=st.data())
@HYPOTHESIS
def test_every_public_page_refuses_hostile_addresses_and_forms_without_a_5xx(site, data):
    client = Client(raise_request_exception=False)
    names = field_names(PUBLIC_FORMS, PUBLIC_NAMES)
    base = {**site["base"], **data.draw(st.sampled_from(site["free"]))}  # a time still free, mostly
    for route in PUBLIC:
        path = fill(route.route, data.draw, site["known"])
        check(client, "GET", path, query_pairs(data.draw, base, names))
        check(client, "POST", path, query_pairs(data.draw, base, names))


UNREADABLE_PAGE = "We could not read that request"
CHARSETS = ["utf-8", "utf-16", "utf-32", "latin-1", "cp1252", "shift_jis", "koi8-r"]


def csrf_client() -> tuple[Client, dict]:
    """A client that passes the CSRF check as a browser would: cookie, token and Origin."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.get(reverse("booking:gift_balance"))
    token = client.cookies[django_settings.CSRF_COOKIE_NAME].value
    return client, {"HTTP_X_CSRFTOKEN": token, "HTTP_ORIGIN": "http://testserver"}


@given(data=st.data())
@HYPOTHESIS
def test_a_form_in_another_charset_than_utf8_gets_the_styled_400_page(site, data):
    client, headers = csrf_client()
    names = field_names(PUBLIC_FORMS, PUBLIC_NAMES)
    base = {**site["base"], **data.draw(st.sampled_from(site["free"]))}
    charset = data.draw(st.sampled_from(CHARSETS))
    declared = data.draw(st.sampled_from([charset, None, "utf-8", "no-such-charset"]))
    for route in PUBLIC:
        path = fill(route.route, data.draw, site["known"])
        text = urlencode(query_pairs(data.draw, base, names))
        if data.draw(st.booleans()):  # a value typed in that charset, not percent-encoded
            text += "&name=" + data.draw(hostile_text).replace("&", "")
        body = text.encode(charset, errors="replace")
        content_type = "application/x-www-form-urlencoded"
        if declared:
            content_type += f"; charset={declared}"
        before = snapshot()
        response = client.generic("POST", path, body, content_type=content_type, **headers)
        try:
            body.decode("utf-8")
            readable = declared in (None, "utf-8")
        except UnicodeDecodeError:
            readable = False
        if readable:
            assert response.status_code < 500, (path, declared, body[:200])
        else:
            assert response.status_code == 400, (path, declared, body[:200])
            assert UNREADABLE_PAGE in response.content.decode()
        if response.status_code >= 400:
            assert snapshot() == before, (path, declared, body[:200])


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded; charset=utf-16", "code=ABCD".encode("utf-16")),
        ("application/x-www-form-urlencoded", b"code=\xff\xfe\x00"),
        ("application/x-www-form-urlencoded; charset=no-such-charset", b"code=ABCD"),
        ("multipart/form-data; charset=utf-16; boundary=x", b"--x--\r\n"),
        ("multipart/form-data", b"--x\r\nno boundary was declared"),
        ("multipart/form-data; boundary=" + "x" * 300, b"--x--\r\n"),
        ("application/x-www-form-urlencoded", b"&".join(b"f%d=1" % n for n in range(1500))),
        ("application/x-www-form-urlencoded", b"code=" + b"A" * 3_000_000),
    ],
    ids=[
        "utf-16",
        "not-utf-8",
        "unknown-charset",
        "multipart-utf-16",
        "multipart-no-boundary",
        "multipart-bad-boundary",
        "too-many-fields",
        "too-large",
    ],
)
def test_an_unreadable_form_gets_the_styled_400_page_and_writes_nothing(site, content_type, body):
    """With the CSRF cookie, token and Origin a browser sends: before, Django raised reading the
    form for the CSRF check, again in its own error pages, and gunicorn answered a bare 500."""
    client, headers = csrf_client()
    before = snapshot()

    for path in [reverse("booking:gift_balance"), reverse("booking:gift_certificates")]:
        response = client.generic("POST", path, body, content_type=content_type, **headers)

        assert response.status_code == 400
        assert UNREADABLE_PAGE in response.content.decode()
        assert "default-src 'self'" in response["Content-Security-Policy"]
    assert snapshot() == before


def test_too_many_parameters_in_an_address_get_the_styled_400_page(site):
    client = Client(raise_request_exception=False)
    query = "&".join(f"service={n}" for n in range(1500))

    response = client.get(f"{reverse('booking:book')}?{query}")

    assert response.status_code == 400
    assert UNREADABLE_PAGE in response.content.decode()


def test_a_readable_form_still_goes_through_the_same_door(site):
    """The refusal is not everything: the same balance check in UTF-8 is answered."""
    client, headers = csrf_client()
    body = urlencode({"code": site["base"]["code"]})
    for content_type in [
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=UTF-8",
    ]:
        response = client.generic(
            "POST", reverse("booking:gift_balance"), body, content_type=content_type, **headers
        )

        assert response.status_code == 200
        assert "Balance" in response.content.decode() or "balance" in response.content.decode()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("buyer_name", "Ann\x07Client"),
        ("message", "Happy\x1b[31m birthday"),
        ("buyer_email", "ann\x0b@example.com"),
    ],
)
def test_control_characters_in_a_form_field_are_refused_with_a_message(site, field, value):
    client = Client()
    form = {**site["base"], "buyer_name": "Ann Client", field: value}
    before = snapshot()

    response = client.post(reverse("booking:gift_certificates"), form)

    assert response.status_code == 400
    assert snapshot() == before
    errors = response.context["form"].errors
    assert field in errors, errors


def test_a_gift_delivery_date_past_the_years_dates_work_in_is_refused(site):
    client = Client()
    form = {**site["base"], "deliver": "later", "deliver_on": "9999-12-31"}
    before = snapshot()

    response = client.post(reverse("booking:gift_certificates"), form)

    assert response.status_code == 400
    assert "Please enter a date between 2000 and 2100." in response.content.decode()
    assert snapshot() == before


# The back office


@pytest.fixture
def staff_logins(site):
    """An owner, and a therapist signed in as the demo's first therapist."""
    owner = User.objects.create_user("olive", is_staff=True)
    owner.groups.add(Group.objects.get(name=OWNER))
    therapist_user = User.objects.create_user("alma", is_staff=True)
    therapist_user.groups.add(Group.objects.get(name=THERAPIST))
    therapist = Therapist.objects.active().first()
    therapist.user = therapist_user
    therapist.save()
    return {"owner": owner, "therapist": therapist_user}


def back_office_values() -> tuple[dict, dict]:
    today = timezone.localdate()
    option = ServiceOption.objects.filter(is_active=True).first()
    therapist = Therapist.objects.active().first()
    base = {}
    for form in BACKOFFICE_FORMS:
        for name, field in form.base_fields.items():
            base.setdefault(name, fitting_value(name, field))
    base.update(
        date=today.isoformat(),
        minutes=str(option.duration_minutes),
        to=(today + timedelta(days=7)).isoformat(),
        start=f"{today + timedelta(days=3)}T10:00",
        option=str(option.pk),
        therapist=str(therapist.pk),
        day=(today + timedelta(days=3)).isoformat(),
        time="10:00",
        gift_code="",
        request_key="",
    )
    base["from"] = today.isoformat()
    pks = [
        str(pk) for pk in Appointment.objects.order_by("-start").values_list("pk", flat=True)[:5]
    ]
    content_types = ContentType.objects.get_for_models(Service, Therapist)
    known = {
        "therapist_id": [str(pk) for pk in Therapist.objects.values_list("pk", flat=True)],
        "pk": pks,
        "outcome": ["completed", "no-show"],
        "content_type_id": [str(ct.pk) for ct in content_types.values()],
        "object_id": [str(therapist.pk), str(option.service.pk)],
    }
    return base, known


@pytest.mark.parametrize("role", ["owner", "therapist"])
@given(data=st.data())
@BACK_OFFICE_EXAMPLES
def test_every_back_office_page_refuses_hostile_dates_and_numbers_without_a_5xx(
    site, staff_logins, role, data
):
    client = Client(raise_request_exception=False)
    client.force_login(staff_logins[role])
    base, known = back_office_values()
    names = field_names(BACKOFFICE_FORMS, BACKOFFICE_NAMES)
    for route in BACKOFFICE:
        path = fill(route.route, data.draw, known)
        # The back office reads each parameter on its own: many at once reach as deep.
        check(client, "GET", path, query_pairs(data.draw, base, names, most=8))
        check(client, "POST", path, query_pairs(data.draw, base, names, most=8))


def test_a_back_office_address_it_cannot_follow_answers_a_back_office_page_with_the_reason(
    site, staff_logins
):
    client = Client()
    client.force_login(staff_logins["owner"])

    for path in [
        "/admin/calendar/?date=9999-12-31",
        "/admin/calendar/day-sheet/?date=0001-01-01",
        "/admin/reports/?date=99999-01-01",
        "/admin/reports/appointments.csv?from=2026-01-01&to=9999-12-31",
    ]:
        response = client.get(path)

        assert response.status_code == 400, path
        html = response.content.decode()
        assert "The date must look like 2026-03-10, between 2000 and 2100." in html
        assert 'id="site-name"' in html  # the back office's own header, not plain text
    response = client.get("/admin/calendar/?minutes=7")
    assert response.status_code == 400
    assert "Choose a session length the clinic offers" in response.content.decode()


def test_a_phone_booking_link_with_digits_that_are_no_numbers_fills_nothing_in(site, staff_logins):
    client = Client()
    client.force_login(staff_logins["owner"])

    response = client.get("/admin/appointments/book/?therapist=%C2%B2&minutes=%C2%B2")

    assert response.status_code == 200
    assert response.context["form"].initial.get("therapist") is None


def test_a_content_type_django_cannot_parse_gets_the_styled_400_page_from_the_app_server(db):
    """Through the WSGI application gunicorn serves (the test client builds its own request,
    which would raise before any middleware): an unknown RFC 2231 charset was a bare 500."""
    from focusedcare.wsgi import application

    body = b"code=ABCD"
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": reverse("booking:gift_balance"),
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "HTTP_HOST": "localhost",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "application/x-www-form-urlencoded; charset*=bogus''utf-8",
    }
    answered = []
    # As the test client does: the request's signals must not close the test's database.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        chunks = application(environ, lambda status, headers: answered.append(status))
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)

    assert answered == ["400 Bad Request"]
    assert UNREADABLE_PAGE in b"".join(chunks).decode()
