"""Browser tests: one headless Debian Chromium for the package, a fresh context per test.

Every test under tests/e2e is marked `browser`. Without Chromium they are skipped, and the run
ends with a banner saying so: a green run that tested no page must not pass unnoticed.
"""

import io
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

import axe_playwright_python
import pytest
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.db import connections
from django.test import override_settings
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    expect,
    sync_playwright,
)
from pytest_django.live_server_helper import LiveServer

from booking.backoffice.roles import FRONT_DESK, sync_roles

E2E_DIR = Path(__file__).resolve().parent
AXE_SOURCE = (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text()
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SKIP_REASON = f"Chromium is not installed at {CHROMIUM}"
INSTALL_HINT = "install it with apt-get install -y chromium (or point CHROMIUM at one)"


def chromium_available() -> bool:
    return os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    missing = not chromium_available()
    if missing and os.environ.get("FOCUSEDCARE_REQUIRE_BROWSER"):
        raise pytest.UsageError(f"FOCUSEDCARE_REQUIRE_BROWSER is set but {SKIP_REASON}")
    for item in items:
        if E2E_DIR not in item.path.parents:
            continue
        item.add_marker(pytest.mark.browser)
        if missing:
            item.add_marker(pytest.mark.skip(reason=f"{SKIP_REASON}; {INSTALL_HINT}"))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config):
    """After the short summary, just above the final count, where nobody can miss it."""
    yield
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if SKIP_REASON in str(report.longrepr)
    ]
    if not skipped:
        return
    terminalreporter.write_sep("!", "BROWSER TESTS SKIPPED", red=True, bold=True)
    terminalreporter.write_line(
        f"BROWSER TESTS SKIPPED: {len(skipped)} tests, because {SKIP_REASON}; {INSTALL_HINT}",
        red=True,
        bold=True,
    )
    terminalreporter.write_sep("!", red=True, bold=True)


# Assertions wait as long as actions do (10 s, set per context below): a page answered slowly by
# a busy machine is not a failure; one that never shows what is expected still is.
expect.set_options(timeout=10_000)


@pytest.fixture(scope="package", autouse=True)
def _database_as_the_migrations_left_it(django_db_setup, django_db_blocker) -> Iterator[None]:
    """serialized_rollback reloads what the data migrations wrote (the guide, the clinic) before
    each browser test, into a database it expects to be empty. A transactional test elsewhere
    that ran just before ends with a flush whose post_migrate signal recreates content types and
    permissions, and the reload then fails on their unique constraints. So the browser tests
    start from an empty database, and hand the next tests back the migrated one."""
    serialized = [alias for alias in connections if _serialized_contents(alias) is not None]
    with django_db_blocker.unblock():
        for alias in serialized:
            call_command(
                "flush", database=alias, interactive=False, verbosity=0, inhibit_post_migrate=True
            )
    yield
    with django_db_blocker.unblock():
        for alias in serialized:
            call_command(
                "flush", database=alias, interactive=False, verbosity=0, inhibit_post_migrate=True
            )
            connections[alias].creation.deserialize_db_from_string(_serialized_contents(alias))


def _serialized_contents(alias: str) -> str | None:
    return getattr(connections[alias], "_test_serialized_contents", None)


@pytest.fixture(scope="package")
def playwright(django_db_setup) -> Iterator[Playwright]:
    """Sync Playwright marks an event loop as running on this thread between its calls. Django
    then refuses ORM calls unless DJANGO_ALLOW_ASYNC_UNSAFE is set, and its thread-critical
    `connections` switch to a separate, context-var storage: without the hand-over below the
    tests would get fresh database wrappers that lack what pytest-django set up on the test
    database (the serialized data that serialized_rollback restores after each flush).

    Package-scoped: both the loop and the environment variable last exactly as long as the
    browser tests, so the rest of the suite runs as plain sync code."""
    wrappers = {alias: connections[alias] for alias in connections}
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as instance:
            for alias, wrapper in wrappers.items():
                connections[alias] = wrapper  # the same connection, loop or no loop
            yield instance
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture(scope="package")
def live_server(django_db_setup) -> Iterator[LiveServer]:
    """pytest-django's live server on 127.0.0.1, for the browser tests only.

    SecurityMiddleware reads SECURE_SSL_REDIRECT once, when the server thread builds its handler,
    so the function-scoped override in tests/conftest.py comes too late for it: every page would
    be a 301 to https://127.0.0.1 (ERR_SSL_PROTOCOL_ERROR). The handler is built before the
    server says it is ready, so the override need only last that long."""
    with override_settings(SECURE_SSL_REDIRECT=False):
        server = LiveServer("127.0.0.1")
    yield server
    server.stop()


@pytest.fixture
def site(live_server) -> str:
    """The live server's base URL, with the demo clinic loaded (without its past fortnight, so
    a test's own sessions today never meet a seeded one)."""
    call_command("seed_demo", stdout=io.StringIO(), past_fortnight=False)
    return live_server.url


@dataclass
class Traffic:
    """What the pages of one test asked for, and what went wrong while loading them."""

    origin: str
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def is_local(self, url: str) -> bool:
        parts = urlsplit(url)
        return parts.scheme in ("data", "blob") or f"{parts.scheme}://{parts.netloc}" == self.origin


@pytest.fixture
def traffic(site: str) -> Traffic:
    return Traffic(origin=site)


@pytest.fixture
def _contexts_without_javascript() -> set[BrowserContext]:
    return set()


@pytest.fixture
def new_page(
    browser: Browser, traffic: Traffic, _contexts_without_javascript: set[BrowserContext]
) -> Iterator[Callable[..., Page]]:
    """Opens a page in a fresh context (options as for browser.new_context). Every request is
    recorded; any to another host is aborted before it leaves the machine (and recorded), so a
    test can assert the site stands alone without the test run ever reaching the internet."""
    contexts: list[BrowserContext] = []

    def open_page(**options) -> Page:
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        if options.get("java_script_enabled") is False:
            _contexts_without_javascript.add(context)

        def block(route) -> None:
            traffic.blocked.append(route.request.url)
            route.abort()

        context.route(lambda url: not traffic.is_local(url), block)
        context.on("request", lambda request: traffic.requests.append(request.url))
        context.on(
            "response",
            lambda response: (
                traffic.errors.append(f"HTTP {response.status} {response.url}")
                if response.status >= 400
                else None
            ),
        )
        context.on(
            "requestfailed",
            lambda request: (
                traffic.errors.append(f"failed ({request.failure}) {request.url}")
                # ERR_ABORTED is the browser dropping a request when the test navigates on,
                # typically the favicon; a missing resource shows up as a 4xx response instead.
                if traffic.is_local(request.url) and request.failure != "net::ERR_ABORTED"
                else None
            ),
        )
        page = context.new_page()
        page.on(
            "console",
            lambda message: (
                traffic.errors.append(f"console {message.type} on {page.url}: {message.text}")
                if message.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda error: traffic.errors.append(f"script error: {error}"))
        return page

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    return new_page()


SETTLED = """() => Promise.race([
    Promise.all(document.getAnimations().map((a) => a.finished.catch(() => null))),
    new Promise((resolve) => setTimeout(resolve, 1000)),
])"""


def _serious_accessibility_violations(page: Page) -> list[str]:
    page.evaluate(AXE_SOURCE)  # evaluate, not add_script_tag: the CSP blocks inline scripts
    # A button's colour eases in over 0.15 s when its styles arrive or the pointer rests on it:
    # axe must measure the colours the page settles on, not a frame half-way there. A page
    # that draws no frames never finishes one, so the wait is at most a second.
    page.evaluate(SETTLED)
    violations = page.evaluate("async () => (await axe.run()).violations")
    return [
        f"{violation['id']} [{violation['impact']}] {violation['help']}\n      "
        + "\n      ".join(", ".join(map(str, node["target"])) for node in violation["nodes"])
        for violation in violations
        if violation["impact"] in ("serious", "critical")
    ]


def _with_base(html: str, url: str) -> str:
    """The page's HTML, its relative addresses (stylesheets, images) resolved against `url`."""
    base = f'<base href="{escape(url)}">'
    with_base, found = re.subn(r"(<head\b[^>]*>)", rf"\1{base}", html, count=1, flags=re.I)
    return with_base if found else base + html


@pytest.fixture
def serious_accessibility_violations(
    browser: Browser, traffic: Traffic, _contexts_without_javascript: set[BrowserContext]
) -> Callable[[Page], list[str]]:
    """Scans a page with axe-core (bundled by axe-playwright-python, so no npm): its serious and
    critical violations, one line per rule with the impact and the targets of its nodes.

    A page opened with java_script_enabled=False cannot run axe: its timers never fire, so
    axe.run() would never settle and the test would hang. Its DOM, as the server sent it and
    without JavaScript, is scanned instead in a copy that loads the page's styles and images
    from the live server but none of its scripts."""

    def scan(page: Page) -> list[str]:
        if page.context not in _contexts_without_javascript:
            return _serious_accessibility_violations(page)
        context = browser.new_context(viewport=page.viewport_size)
        context.set_default_timeout(10_000)
        try:
            context.route(
                "**/*",
                lambda route: (
                    route.abort()
                    if route.request.resource_type == "script"
                    or not traffic.is_local(route.request.url)
                    else route.continue_()
                ),
            )
            copy = context.new_page()
            copy.set_content(_with_base(page.content(), page.url))
            return _serious_accessibility_violations(copy)
        finally:
            context.close()

    return scan


@pytest.fixture
def front_desk(site) -> tuple[str, str]:
    """A front-desk login (username, password); the roles are synced first, since the browser
    tests start from a database flushed without post_migrate."""
    if not Group.objects.filter(name=FRONT_DESK).exists():
        sync_roles()
    user = User.objects.create_user("desk", password="desk-password-1", is_staff=True)
    user.groups.add(Group.objects.get(name=FRONT_DESK))
    return "desk", "desk-password-1"


def log_in(page: Page, site: str, username: str, password: str) -> None:
    """Through the admin's own login form, as staff do."""
    page.goto(f"{site}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_contain_text(username)
