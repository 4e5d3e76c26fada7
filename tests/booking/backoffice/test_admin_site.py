"""The admin's navigation (the apps and models each page lists) is kept between requests
(booking/backoffice/site.py): each login still sees exactly what its permissions allow, at once
after they change."""

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import Permission
from django.test import Client as Browser

from booking.backoffice.roles import FRONT_DESK, THERAPIST
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


def listed_models(user) -> set[str]:
    browser = Browser()
    browser.force_login(user)
    response = browser.get("/admin/")
    assert response.status_code == 200
    page = BeautifulSoup(response.content, "html.parser")
    return {a.get_text(strip=True) for a in page.select("#content-main th[scope=row] a")}


def test_each_role_sees_its_own_models_whoever_came_first(demo):
    desk = staff_user("desk-nav", role=FRONT_DESK)
    therapist = staff_user("therapist-nav", role=THERAPIST)

    desk_models, therapist_models = listed_models(desk), listed_models(therapist)

    assert "Session records" in therapist_models and "Session records" not in desk_models
    assert "Gift certificates" in desk_models and "Gift certificates" not in therapist_models
    assert listed_models(desk) == desk_models  # the kept list, unchanged for its own


def test_a_permission_granted_shows_its_model_at_once(demo):
    desk = staff_user("desk-grant", role=FRONT_DESK)
    assert "Pages" not in listed_models(desk)

    desk.user_permissions.add(Permission.objects.get(codename="view_page"))

    assert "Pages" in listed_models(type(desk).objects.get(pk=desk.pk))
