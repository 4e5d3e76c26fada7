"""Staff logins are locked after repeated wrong passwords (django-axes, kept in the database):
the styled page with a 429 and Retry-After, the right password refused meanwhile, other
addresses unaffected, and the owner unlocks the login in the back office."""

import pytest
from axes.models import AccessAttempt
from bs4 import BeautifulSoup
from django.contrib.auth.models import Group, User
from django.test import Client

from booking.backoffice.roles import FRONT_DESK, OWNER

pytestmark = pytest.mark.django_db
PASSWORD = "Desk-Pass-42"


@pytest.fixture
def desk_user(db):
    user = User.objects.create_user("desk", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=FRONT_DESK))
    return user


def log_in(client, password: str, address: str = "198.51.100.7"):
    return client.post(
        "/admin/login/", {"username": "desk", "password": password}, REMOTE_ADDR=address
    )


def test_five_wrong_passwords_lock_the_login_with_a_styled_page_and_retry_after(
    client, desk_user, settings
):
    settings.AXES_FAILURE_LIMIT = 5
    wrong = [log_in(client, "guess").status_code for _ in range(4)]

    locked = log_in(client, "guess")
    right_password = log_in(client, PASSWORD)

    assert wrong == [400] * 4  # the login form again, with its error
    assert locked.status_code == 429 and locked["Retry-After"] == "900"
    html = BeautifulSoup(locked.content, "html.parser")
    assert len(html.find_all("h1")) == 1 and "Sign-in paused" in html.h1.get_text()
    assert "paused for 15 minutes" in html.get_text(" ", strip=True)
    assert right_password.status_code == 429
    assert client.get("/admin/").status_code == 302  # not logged in


def test_another_address_is_not_locked_out(client, desk_user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        log_in(client, "guess")

    response = log_in(Client(), PASSWORD, address="203.0.113.50")

    assert response.status_code == 302


def test_the_owner_unlocks_a_login_in_the_back_office(client, desk_user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        log_in(client, "guess")
    owner = User.objects.create_user("boss", password=PASSWORD, is_staff=True)
    owner.groups.add(Group.objects.get(name=OWNER))
    back_office = Client()
    back_office.force_login(owner)
    attempt = AccessAttempt.objects.get(username="desk")

    listed = back_office.get("/admin/axes/accessattempt/")
    unlocked = back_office.post(
        "/admin/axes/accessattempt/",
        {"action": "unlock", "_selected_action": [attempt.pk], "index": "0"},
    )

    assert listed.status_code == 200 and "desk" in listed.content.decode()
    assert unlocked.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert log_in(client, PASSWORD).status_code == 302


def test_the_front_desk_cannot_see_or_unlock_logins(client, desk_user):
    client.force_login(desk_user)

    assert client.get("/admin/axes/accessattempt/").status_code == 403
