"""Every admin URL, walked as every staff role, against one table of what each role gets.

Invariant 6: staff see only what their role allows, on every admin page, inline, history page,
export and shortcut. The clinic below belongs to two therapists: A, who logs in, and B, whose
client, intake answers, time off, bookings and gift certificates A must never see. The walk asks
the URL resolver for every pattern under /admin/ and fills each with B's rows (and A's, where a
therapist's own rows answer differently); a GET and, where the table says so, a POST of the form
as the owner is shown it. Each answer must match EXPECTED, carry none of the role's secrets
(`secrets`), and a POST the role may not make must leave every row of every model as it was.
No page may offer a role a link or button to a screen that refuses it.

A new screen (URL pattern, registered model, admin action) fails
`test_every_admin_url_has_a_row_in_the_table`, which names its key, until EXPECTED has a row for
it: what the owner, the front desk and therapist A get (on B's row, and on A's own where a
therapist sees only some rows). When the form as shown would change nothing, `post_values` says
what its POST sends. A URL whose arguments the walk cannot fill yet is named by the same test:
teach `model_targets` or `site_targets`, and give `build_clinic` a row of a new model.
"""

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import quote, unquote, urlencode, urljoin, urlsplit

import pytest
from axes.models import AccessAttempt
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.options import ActionLocation
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages.storage.cookie import CookieStorage
from django.db import connection, transaction
from django.http import HttpRequest
from django.test import Client as Browser
from django.test import override_settings
from django.urls import URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from booking.backoffice.roles import FRONT_DESK, OWNER, THERAPIST, RoleAdmin, RoleInline
from booking.backoffice.views import OUTCOMES
from booking.models import (
    AccessLog,
    Appointment,
    BookingPolicy,
    Client,
    Clinic,
    ClinicClosure,
    ExtraShift,
    GiftCertificate,
    GiftLedgerEntry,
    GiftSettings,
    OutboundEmail,
    SessionAddendum,
    SessionRecord,
    TimeOff,
    TreatmentPlan,
)
from booking.services.appointments import (
    book_appointment,
    cancel_appointment,
    complete_appointment,
    reschedule_appointment,
)
from booking.services.clients import ClientDetails
from booking.services.gift_certificates.sales import (
    mark_gift_certificate_paid,
    purchase_gift_certificate,
)
from booking.services.intake import IntakeAnswers
from content.models import Page
from tests.factories import (
    AppointmentFactory,
    ServiceFactory,
    ServiceOptionFactory,
    TherapistFactory,
    week_of_hours,
)

pytestmark = pytest.mark.django_db

# ---------------------------------------------------------------------------------------------
# What each role gets. A cell is "<GET> [<POST>]":
#   GET   the status of a GET ("-": none, the key is a POST-only admin action);
#   POST  the status of a POST (absent: no POST is made); "+" after it: the POST must change
#         rows, without "+": it must leave every row of booking, content, auth and admin as it was.
# Columns: owner, front desk, therapist A on B's row, therapist A on A's own row (None where the
# URL takes no therapist's row). A superuser is refused whatever the owner is refused: those
# refusals are the product's rules, not permissions the owner lacks.
# Keys are URL names; "<name> action=<action>" is an admin action posted to that page, and
# "<name> <argument>" one URL of a pattern walked once per model, app or outcome. An action a
# role may not run answers 302 (back to the list) or, when the role has no action at all on that
# list, 200 (the list again); a list's own POST is its editable columns saved.
# ---------------------------------------------------------------------------------------------
ROW = tuple[str, str, str, str | None]
EXPECTED: dict[str, ROW] = {
    # The back office's own pages.
    "backoffice:calendar_day": ("200", "200", "200", None),
    "backoffice:calendar_week": ("200", "200", "404", "200"),
    "backoffice:day_sheet": ("200", "200", "200", None),
    "backoffice:phone_booking": ("200 302+", "200 302+", "403 403", None),
    "backoffice:move_appointment": ("200 302+", "200 302+", "403 403", "403 403"),
    "backoffice:cancel_appointment": ("200 302+", "200 302+", "403 403", "403 403"),
    "backoffice:record_outcome completed": ("405 302+", "405 302+", "405 404", "405 302+"),
    "backoffice:record_outcome no-show": ("405 302+", "405 302+", "405 404", "405 302+"),
    "backoffice:dashboard": ("200", "403", "403", None),
    "backoffice:appointments_csv": ("200", "403", "403", None),
    # "View on site" leads to public pages only, of rows the role may see; never a bearer link.
    "backoffice:view_on_site booking.appointment": ("404", "404", "404", "404"),
    "backoffice:view_on_site booking.bookingpolicy": ("404", "404", "404", None),
    "backoffice:view_on_site booking.client": ("404", "404", "404", "404"),
    "backoffice:view_on_site booking.clinic": ("404", "404", "404", None),
    "backoffice:view_on_site booking.clinicclosure": ("404", "404", "404", None),
    "backoffice:view_on_site booking.extrashift": ("404", "404", "404", "404"),
    "backoffice:view_on_site booking.giftcertificate": ("404", "404", "404", None),
    "backoffice:view_on_site booking.giftledgerentry": ("404", "404", "404", None),
    "backoffice:view_on_site booking.giftsettings": ("404", "404", "404", None),
    "backoffice:view_on_site booking.outboundemail": ("404", "404", "404", None),
    "backoffice:view_on_site booking.service": ("302", "302", "302", None),
    "backoffice:view_on_site booking.therapist": ("302", "302", "403", "302"),
    "backoffice:view_on_site booking.timeoff": ("404", "404", "404", "404"),
    "backoffice:view_on_site auth.group": ("404", "404", "404", None),
    "backoffice:view_on_site auth.user": ("404", "404", "404", None),
    "backoffice:view_on_site content.page": ("302", "404", "404", None),
    "backoffice:view_on_site (models without an admin)": ("404", "404", "404", None),
    "admin:view_on_site": ("404", "404", "404", None),  # Django's shortcut: shadowed by ours
    # The admin site's own pages.
    "admin:index": ("200", "200", "200", None),
    "admin:login": ("302", "302", "302", None),
    "admin:logout": ("405 200", "405 200", "405 200", None),
    "admin:password_change": ("200 302+", "200 302+", "200 302+", None),
    "admin:password_change_done": ("200", "200", "200", None),
    "admin:jsi18n": ("200", "200", "200", None),
    "admin:catch_all": ("404", "404", "404", None),
    "admin:app_list auth": ("200", "404", "404", None),
    "admin:app_list booking": ("200", "200", "200", None),
    "admin:app_list content": ("200", "404", "404", None),
    # Autocomplete answers from the related model's admin: its permission, its role filter.
    "admin:autocomplete auth.group": ("200", "403", "403", None),
    "admin:autocomplete auth.user": ("200", "403", "403", None),
    "admin:autocomplete booking.appointment": ("200", "200", "200", None),
    "admin:autocomplete booking.client": ("200", "200", "200", None),
    "admin:autocomplete booking.giftcertificate": ("200", "200", "403", None),
    "admin:autocomplete booking.service": ("200", "200", "200", None),
    "admin:autocomplete booking.therapist": ("200", "200", "200", None),
    # Appointments: changed only through the services (the pages above, the list's actions):
    # no form to save, nothing deleted (cancelled instead), no version reverted; the therapist
    # sees their own and records their outcomes. The old add page leads to the phone booking.
    "admin:booking_appointment_changelist": ("200", "200", "200", None),
    "admin:booking_appointment_changelist action=delete_selected":
        ("- 302", "- 302", "- 302", "- 302"),
    "admin:booking_appointment_changelist action=cancel_selected":
        ("- 302+", "- 302+", "- 302", "- 302"),
    "admin:booking_appointment_changelist action=mark_completed":
        ("- 302+", "- 302+", "- 302", "- 302+"),
    "admin:booking_appointment_changelist action=mark_no_shows":
        ("- 302+", "- 302+", "- 302", "- 302+"),
    "admin:booking_appointment_add": ("302 307", "302 307", "403 403", None),
    "admin:booking_appointment_change": ("200 403", "200 403", "403 403", "200 403"),
    "admin:booking_appointment_delete": ("403 403", "403 403", "403 403", "403 403"),
    "admin:booking_appointment_history": ("200", "200", "403", "200"),
    "admin:booking_appointment_simple_history": ("200 403", "200 403", "403 403", "200 403"),
    "admin:booking_appointment_object": ("302", "302", "302", "302"),
    # Clients: only their own therapist's clients for a therapist. "200 200" on a delete: the row
    # is protected (a client with bookings, a service or therapist booked): nothing is deleted.
    "admin:booking_client_changelist": ("200", "200", "200", None),
    "admin:booking_client_changelist action=delete_selected": ("- 200", "- 200", "- 200", "- 200"),
    "admin:booking_client_add": ("200 302+", "200 302+", "403 403", None),
    "admin:booking_client_change": ("200 302+", "200 302+", "403 403", "200 403"),
    "admin:booking_client_delete": ("200 200", "403 403", "403 403", "403 403"),
    "admin:booking_client_history": ("200", "200", "403", "200"),
    "admin:booking_client_simple_history": ("200 302+", "200 302+", "403 403", "200 403"),
    "admin:booking_client_object": ("302", "302", "302", "302"),
    # A client's data, downloaded or erased: the owner's alone (it holds their health answers).
    "admin:booking_client_export": ("200", "403", "403", "403"),
    "admin:booking_client_erase": ("200 302+", "403 403", "403 403", "403 403"),
    # Therapists: only the owner changes one (and so links a login to it).
    "admin:booking_therapist_changelist": ("200 302+", "200 403", "200 403", None),
    "admin:booking_therapist_changelist action=delete_selected":
        ("- 200", "- 200", "- 200", "- 200"),
    "admin:booking_therapist_add": ("200 302+", "403 403", "403 403", None),
    "admin:booking_therapist_change": ("200 302+", "200 403", "403 403", "200 403"),
    "admin:booking_therapist_delete": ("200 200", "403 403", "403 403", "403 403"),
    "admin:booking_therapist_history": ("200", "200", "403", "200"),
    "admin:booking_therapist_simple_history": ("200 302+", "200 403", "403 403", "200 403"),
    "admin:booking_therapist_object": ("302", "302", "302", "302"),
    # Time off: the desk manages it; a therapist reads their own.
    "admin:booking_timeoff_changelist": ("200", "200", "200", None),
    "admin:booking_timeoff_changelist action=delete_selected":
        ("- 302+", "- 302+", "- 200", "- 200"),
    "admin:booking_timeoff_add": ("200 302+", "200 302+", "403 403", None),
    "admin:booking_timeoff_change": ("200 302+", "200 302+", "403 403", "200 403"),
    "admin:booking_timeoff_delete": ("200 302+", "200 302+", "403 403", "403 403"),
    "admin:booking_timeoff_history": ("200", "200", "403", "200"),
    "admin:booking_timeoff_simple_history": ("200 302+", "200 302+", "403 403", "200 403"),
    "admin:booking_timeoff_object": ("302", "302", "302", "302"),
    # Extra shifts: like time off.
    "admin:booking_extrashift_changelist": ("200", "200", "200", None),
    "admin:booking_extrashift_changelist action=delete_selected":
        ("- 302+", "- 302+", "- 200", "- 200"),
    "admin:booking_extrashift_add": ("200 302+", "200 302+", "403 403", None),
    "admin:booking_extrashift_change": ("200 302+", "200 302+", "403 403", "200 403"),
    "admin:booking_extrashift_delete": ("200 302+", "200 302+", "403 403", "403 403"),
    "admin:booking_extrashift_history": ("200", "200", "403", "200"),
    "admin:booking_extrashift_simple_history": ("200 302+", "200 302+", "403 403", "200 403"),
    "admin:booking_extrashift_object": ("302", "302", "302", "302"),
    # Services and prices: the owner's.
    "admin:booking_service_changelist": ("200 302+", "200 403", "200 403", None),
    "admin:booking_service_changelist action=delete_selected": ("- 200", "- 200", "- 200", None),
    "admin:booking_service_add": ("200 302+", "403 403", "403 403", None),
    "admin:booking_service_change": ("200 302+", "200 403", "200 403", None),
    "admin:booking_service_delete": ("200 200", "403 403", "403 403", None),
    "admin:booking_service_history": ("200", "200", "200", None),
    "admin:booking_service_simple_history": ("200 302+", "200 403", "200 403", None),
    "admin:booking_service_object": ("302", "302", "302", None),
    # Clinic details: one row, never deleted; the desk reads them.
    "admin:booking_clinic_changelist": ("200", "200", "403", None),
    "admin:booking_clinic_changelist action=delete_selected": ("- 200", "- 200", "- 403", None),
    "admin:booking_clinic_add": ("200 302+", "403 403", "403 403", None),  # with no clinic yet
    "admin:booking_clinic_change": ("200 302+", "200 403", "403 403", None),
    "admin:booking_clinic_delete": ("403 403", "403 403", "403 403", None),
    "admin:booking_clinic_history": ("200", "200", "403", None),
    "admin:booking_clinic_simple_history": ("200 302+", "200 403", "403 403", None),
    "admin:booking_clinic_object": ("302", "302", "302", None),
    # Booking policy: the owner's.
    "admin:booking_bookingpolicy_changelist": ("200", "403", "403", None),
    "admin:booking_bookingpolicy_changelist action=delete_selected":
        ("- 200", "- 403", "- 403", None),
    "admin:booking_bookingpolicy_add": ("200 302+", "403 403", "403 403", None),  # with none yet
    "admin:booking_bookingpolicy_change": ("200 302+", "403 403", "403 403", None),
    "admin:booking_bookingpolicy_delete": ("403 403", "403 403", "403 403", None),
    "admin:booking_bookingpolicy_history": ("200", "403", "403", None),
    "admin:booking_bookingpolicy_simple_history": ("200 302+", "403 403", "403 403", None),
    "admin:booking_bookingpolicy_object": ("302", "302", "302", None),
    # Gift certificate settings: the owner's.
    "admin:booking_giftsettings_changelist": ("200", "403", "403", None),
    "admin:booking_giftsettings_changelist action=delete_selected":
        ("- 200", "- 403", "- 403", None),
    "admin:booking_giftsettings_add": ("200 302+", "403 403", "403 403", None),  # with none yet
    "admin:booking_giftsettings_change": ("200 302+", "403 403", "403 403", None),
    "admin:booking_giftsettings_delete": ("403 403", "403 403", "403 403", None),
    "admin:booking_giftsettings_history": ("200", "403", "403", None),
    "admin:booking_giftsettings_object": ("302", "302", "302", None),
    # Gift certificates: sold publicly, never deleted, never reverted; the desk redeems and
    # resends, only the owner voids and adjusts; therapists have no business here.
    "admin:booking_giftcertificate_changelist": ("200", "200", "403", None),
    "admin:booking_giftcertificate_changelist action=delete_selected":
        ("- 302", "- 302", "- 403", None),
    "admin:booking_giftcertificate_changelist action=mark_paid":  # both are paid already
        ("- 302", "- 302", "- 403", None),
    "admin:booking_giftcertificate_changelist action=resend": ("- 302+", "- 302+", "- 403", None),
    "admin:booking_giftcertificate_changelist action=export_csv": ("- 200", "- 200", "- 403", None),
    "admin:booking_giftcertificate_add": ("403 403", "403 403", "403 403", None),
    "admin:booking_giftcertificate_change": ("200 302+", "200 302+", "403 403", None),
    "admin:booking_giftcertificate_delete": ("403 403", "403 403", "403 403", None),
    "admin:booking_giftcertificate_history": ("200", "200", "403", None),
    "admin:booking_giftcertificate_simple_history": ("200 403", "200 403", "403 403", None),
    "admin:booking_giftcertificate_object": ("302", "302", "302", None),
    "admin:booking_giftcertificate_void": ("200 302+", "403 403", "403 403", None),
    "admin:booking_giftcertificate_adjust": ("200 302+", "403 403", "403 403", None),
    "admin:booking_giftcertificate_redeem": ("200 302+", "200 302+", "403 403", None),
    # The gift ledger: read-only for everyone who handles certificates.
    "admin:booking_giftledgerentry_changelist": ("200", "200", "403", None),
    "admin:booking_giftledgerentry_changelist action=delete_selected":
        ("- 200", "- 200", "- 403", None),
    "admin:booking_giftledgerentry_add": ("403 403", "403 403", "403 403", None),
    "admin:booking_giftledgerentry_change": ("200 403", "200 403", "403 403", None),
    "admin:booking_giftledgerentry_delete": ("403 403", "403 403", "403 403", None),
    "admin:booking_giftledgerentry_history": ("200", "200", "403", None),
    "admin:booking_giftledgerentry_object": ("302", "302", "302", None),
    # The outbox: read-only (no bodies: they carry booking links); whoever sees it may retry.
    "admin:booking_outboundemail_changelist": ("200", "200", "403", None),
    "admin:booking_outboundemail_changelist action=delete_selected":
        ("- 302+", "- 302", "- 403", None),
    "admin:booking_outboundemail_changelist action=retry_now": ("- 302+", "- 302+", "- 403", None),
    "admin:booking_outboundemail_add": ("403 403", "403 403", "403 403", None),
    "admin:booking_outboundemail_change": ("200 403", "200 403", "403 403", None),
    "admin:booking_outboundemail_delete": ("200 302+", "403 403", "403 403", None),
    "admin:booking_outboundemail_history": ("200", "200", "403", None),
    "admin:booking_outboundemail_object": ("302", "302", "302", None),
    # Clinic closures: the desk manages them.
    "admin:booking_clinicclosure_changelist": ("200", "200", "403", None),
    "admin:booking_clinicclosure_changelist action=delete_selected":
        ("- 302+", "- 302+", "- 403", None),
    "admin:booking_clinicclosure_add": ("200 302+", "200 302+", "403 403", None),
    "admin:booking_clinicclosure_change": ("200 302+", "200 302+", "403 403", None),
    "admin:booking_clinicclosure_delete": ("200 302+", "200 302+", "403 403", None),
    "admin:booking_clinicclosure_history": ("200", "200", "403", None),
    "admin:booking_clinicclosure_simple_history": ("200 302+", "200 302+", "403 403", None),
    "admin:booking_clinicclosure_object": ("302", "302", "302", None),
    # Session records and treatment plans: the treating therapist's and the owner's, never the
    # desk's (nor another therapist's); never deleted; changed only through their services (no
    # revert). B's and A's records are past their 24 hours: the POST adds a dated addendum.
    "admin:booking_sessionrecord_changelist": ("200", "403", "200", None),
    "admin:booking_sessionrecord_changelist action=delete_selected":
        ("- 200", "- 403", "- 200", "- 200"),
    "admin:booking_sessionrecord_add": ("200 302+", "403 403", "200 400", None),
    "admin:booking_sessionrecord_change": ("200 302+", "403 403", "403 403", "200 302+"),
    "admin:booking_sessionrecord_delete": ("403 403", "403 403", "403 403", "403 403"),
    "admin:booking_sessionrecord_history": ("200", "403", "403", "200"),
    "admin:booking_sessionrecord_simple_history": ("200 403", "403 403", "403 403", "200 403"),
    "admin:booking_sessionrecord_object": ("302", "302", "302", "302"),
    "admin:autocomplete booking.sessionrecord": ("200", "403", "200", None),
    "backoffice:view_on_site booking.sessionrecord": ("404", "404", "404", "404"),
    "admin:booking_treatmentplan_changelist": ("200", "403", "200", None),
    "admin:booking_treatmentplan_changelist action=delete_selected":
        ("- 200", "- 403", "- 200", "- 200"),
    "admin:booking_treatmentplan_add": ("200 302+", "403 403", "200 400", None),
    "admin:booking_treatmentplan_change": ("200 302+", "403 403", "403 403", "200 302+"),
    "admin:booking_treatmentplan_delete": ("403 403", "403 403", "403 403", "403 403"),
    "admin:booking_treatmentplan_history": ("200", "403", "403", "200"),
    "admin:booking_treatmentplan_simple_history": ("200 403", "403 403", "403 403", "200 403"),
    "admin:booking_treatmentplan_object": ("302", "302", "302", "302"),
    "backoffice:view_on_site booking.treatmentplan": ("404", "404", "404", "404"),
    # Who read or changed a health record: the owner reads the log; nobody writes or deletes.
    "admin:booking_accesslog_changelist": ("200", "403", "403", None),
    "admin:booking_accesslog_changelist action=delete_selected":
        ("- 200", "- 403", "- 403", None),
    "admin:booking_accesslog_add": ("403 403", "403 403", "403 403", None),
    "admin:booking_accesslog_change": ("200 403", "403 403", "403 403", None),
    "admin:booking_accesslog_delete": ("403 403", "403 403", "403 403", None),
    "admin:booking_accesslog_history": ("200", "403", "403", None),
    "admin:booking_accesslog_object": ("302", "302", "302", None),
    "backoffice:view_on_site booking.accesslog": ("404", "404", "404", None),
    # Logins and roles: the owner's.
    "admin:auth_user_changelist": ("200", "403", "403", None),
    "admin:auth_user_changelist action=delete_selected": ("- 302+", "- 403", "- 403", None),
    "admin:auth_user_add": ("200 302+", "403 403", "403 403", None),
    "admin:auth_user_change": ("200 302+", "403 403", "403 403", None),
    "admin:auth_user_delete": ("200 302+", "403 403", "403 403", None),
    "admin:auth_user_history": ("200", "403", "403", None),
    "admin:auth_user_object": ("302", "302", "302", None),
    "admin:auth_user_password_change": ("200 302+", "403 403", "403 403", None),
    "admin:auth_group_changelist": ("200", "403", "403", None),
    "admin:auth_group_changelist action=delete_selected": ("- 302+", "- 403", "- 403", None),
    "admin:auth_group_add": ("200 302+", "403 403", "403 403", None),
    "admin:auth_group_change": ("200 302+", "403 403", "403 403", None),
    "admin:auth_group_delete": ("200 302+", "403 403", "403 403", None),
    "admin:auth_group_history": ("200", "403", "403", None),
    "admin:auth_group_object": ("302", "302", "302", None),
    # Staff logins locked out after wrong passwords (django-axes): the owner reads and unlocks.
    "admin:app_list axes": ("200", "404", "404", None),
    "admin:autocomplete axes.accessattempt": ("200", "403", "403", None),
    "backoffice:view_on_site axes.accessattempt": ("404", "404", "404", None),
    "admin:axes_accessattempt_changelist": ("200", "403", "403", None),
    "admin:axes_accessattempt_changelist action=delete_selected":
        ("- 302+", "- 403", "- 403", None),
    "admin:axes_accessattempt_changelist action=unlock": ("- 302+", "- 403", "- 403", None),
    "admin:axes_accessattempt_add": ("403 403", "403 403", "403 403", None),
    "admin:axes_accessattempt_change": ("200 403", "403 403", "403 403", None),
    "admin:axes_accessattempt_delete": ("200 302+", "403 403", "403 403", None),
    "admin:axes_accessattempt_history": ("200", "403", "403", None),
    "admin:axes_accessattempt_object": ("302", "302", "302", None),
    # The site's words: the owner's.
    "admin:content_page_changelist": ("200", "403", "403", None),
    "admin:content_page_changelist action=delete_selected": ("- 302+", "- 403", "- 403", None),
    "admin:content_page_add": ("200 302+", "403 403", "403 403", None),
    "admin:content_page_change": ("200 302+", "403 403", "403 403", None),
    "admin:content_page_delete": ("200 302+", "403 403", "403 403", None),
    "admin:content_page_history": ("200", "403", "403", None),
    "admin:content_page_object": ("302", "302", "302", None),
}  # fmt: skip

COLUMNS = {"owner": 0, "front desk": 1, "therapist": 2}
ROLES = {"owner": OWNER, "front desk": FRONT_DESK, "therapist": THERAPIST, "superuser": None}

# Query strings for pages that show a date or a range: the day of B's sessions.
QUERIES: dict[str, Callable] = {
    "backoffice:calendar_day": lambda w: {"date": w.day},
    "backoffice:calendar_week": lambda w: {"date": w.day},
    "backoffice:day_sheet": lambda w: {"date": w.day},
    "backoffice:dashboard": lambda w: {"date": w.day},
    "backoffice:appointments_csv": lambda w: {
        "from": w.past - timedelta(days=7),
        "to": w.day + timedelta(days=7),
    },
}

NEW_PASSWORD = "Walk-Another-Pass-42"


def post_values(w, key: str, own: bool) -> dict:
    """What a POST sends over the form as shown: new rows, the change to make, a deletion
    confirmed. Each would change rows if the role were allowed to make it."""
    day, day2 = w.day.isoformat(), (w.day + timedelta(days=2)).isoformat()
    values = {
        "backoffice:phone_booking": {
            "client_name": "Nadia Newcomer",
            "client_email": "nadia.newcomer@example.com",
            "client_phone": "717-555-0177",
            "option": w.option.pk,
            "therapist": w.bruno.pk,
            "day": day,
            "time": "15:00",
            "send_confirmation": "on",
        },
        "admin:booking_client_add": {
            "name": "Nadia Newcomer",
            "email": "nadia.newcomer@example.com",
            "phone": "717-555-0177",
        },
        "admin:booking_client_change": {"notes": "Changed on the walk"},
        "admin:booking_sessionrecord_add": {
            "appointment": w.b_past.pk,
            "pressure": "3",
            "notes": "Written on the walk",
        },
        "admin:booking_sessionrecord_change": {"addenda-0-text": "Added on the walk"},
        "admin:booking_treatmentplan_add": {
            "appointment": w.b_past.pk,
            "focus": "Walk plan",
            "sessions_planned": "3",
            "interval_days": "7",
        },
        "admin:booking_treatmentplan_change": {"focus": "Changed on the walk"},
        "admin:booking_therapist_add": {"name": "Nina New", "slug": "nina-new", "order": "3"},
        # Issue 9's attack: a login unlinked from its own record, or linked to a colleague's.
        "admin:booking_therapist_change": {"user": "" if own else w.spare_user.pk},
        "admin:booking_therapist_changelist": {"_save": "Save", "form-0-order": "9"},
        "admin:booking_service_changelist": {"_save": "Save", "form-0-order": "9"},
        "admin:booking_service_add": {
            "name": "Hot Stone",
            "slug": "hot-stone",
            "summary": "Warm stones.",
            "options-TOTAL_FORMS": "1",
            "options-0-duration_minutes": "60",
            "options-0-price": "80.00",
            "options-0-is_active": "on",
        },
        "admin:booking_timeoff_add": {
            "therapist": w.bruno.pk,
            "starts_at_0": day2,
            "starts_at_1": "15:00",
            "ends_at_0": day2,
            "ends_at_1": "16:00",
            "reason": "Course",
        },
        "admin:booking_timeoff_change": {"reason": "Changed on the walk"},
        "admin:booking_extrashift_add": {
            "therapist": w.bruno.pk,
            "day": day2,
            "starts": "18:00",
            "ends": "20:00",
            "note": "Late evening",
        },
        "admin:booking_clinicclosure_add": {
            "name": "Snow day",
            "first_day": day2,
            "last_day": day2,
        },
        "admin:booking_clinic_add": {
            "name": "Focused Care",
            "street_address": "1 Main Street",
            "locality": "Lancaster",
            "region": "PA",
            "postal_code": "17601",
            "country": "US",
            "phone": "717-555-0100",
            "email": "hello@example.com",
        },
        "admin:auth_user_add": {
            "username": "newbie",
            "usable_password": "true",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
        "admin:auth_user_password_change": {
            "usable_password": "true",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
        "admin:auth_group_add": {"name": "Interns"},
        "admin:content_page_add": {
            "slug": "walk",
            "title": "Walk",
            "meta_description": "A page.",
            "body": "A page.",
        },
        "admin:password_change": {
            "old_password": w.password,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
        "backoffice:move_appointment": {"day": day, "time": "15:00"},
        "backoffice:cancel_appointment": {"reason": "The therapist is ill."},
        "admin:booking_giftcertificate_void": {"reason": "Sold by mistake"},
        "admin:booking_giftcertificate_adjust": {"amount": "5.00", "reason": "Goodwill"},
        "admin:booking_giftcertificate_redeem": {"amount": "1.00", "reason": "Walk-in"},
    }
    if key.endswith("_delete"):
        return {"post": "yes"}
    return values.get(key, {})


# Add pages of one-row models are walked as they are before that row exists; a client is
# erased once their upcoming bookings are cancelled (it is refused before).
SETUP: dict[str, Callable[[], object]] = {
    "admin:booking_client_erase": lambda: Appointment.objects.filter(
        status=Appointment.Status.BOOKED, start__gt=timezone.now()
    ).update(status=Appointment.Status.CANCELLED),
    "admin:booking_clinic_add": lambda: Clinic.objects.all().delete(),
    "admin:booking_bookingpolicy_add": lambda: BookingPolicy.objects.all().delete(),
    "admin:booking_giftsettings_add": lambda: GiftSettings.objects.all().delete(),
}

# ---------------------------------------------------------------------------------------------
# The clinic: therapists A (Alma, with a login) and B (Bruno), and B's client, whose name,
# email, phone, intake answers, time off, bookings and gift codes are what A must never see.
# ---------------------------------------------------------------------------------------------
B_NAME, B_EMAIL, B_PHONE = (
    "Beatrix Quillfeather",
    "beatrix.quillfeather@example.net",
    "717-555-0199",
)
B_INJURY = "Fractured coccyx from ice-skating in 2019"
B_GOALS = "Hike the Appalachian Trail without sciatica"
B_TIME_OFF = "Kidney stone surgery recovery"
A_INJURY = "Sprained wrist from rock climbing"
A_GOALS = "Sleep through the night without numbness"
B_NOTE = "Trigger points along the left piriformis, guarded on palpation"
B_FOCUS = "Release the left piriformis to ease the sciatic pain"
A_NOTE = "Right upper trapezius hypertonic, levator scapulae tender"
A_FOCUS = "Loosen the right upper trapezius for desk work"
PASSWORD = "Walk-Pass-7x"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def intake(injuries: str, goals: str) -> IntakeAnswers:
    return IntakeAnswers(
        zones=["lower_back"],
        duration="weeks",
        pressure=3,
        consent=True,
        previous_injuries=injuries,
        goals=goals,
    )


def build_clinic() -> SimpleNamespace:
    zone = timezone.get_current_timezone()
    today = timezone.localdate()
    day, past = today + timedelta(days=8), today - timedelta(days=3)

    def on(date, hhmm: str) -> datetime:
        return datetime.combine(date, time.fromisoformat(hhmm), tzinfo=zone)

    users = {"superuser": User.objects.create_superuser("root", "root@example.com", PASSWORD)}
    for role, username in [("owner", "olive"), ("front desk", "desmond"), ("therapist", "alma")]:
        users[role] = User.objects.create_user(username, password=PASSWORD, is_staff=True)
        users[role].groups.add(Group.objects.get(name=ROLES[role]))
    bruno_user = User.objects.create_user("bruno", password=PASSWORD, is_staff=True)
    spare_user = User.objects.create_user("casey", password=PASSWORD, is_staff=True)
    for user in [bruno_user, spare_user]:  # casey: a therapist login linked to no record yet
        user.groups.add(Group.objects.get(name=THERAPIST))

    service = ServiceFactory(name="Deep Tissue", slug="deep-tissue")
    option = ServiceOptionFactory(service=service, duration_minutes=60, price=Decimal("95.00"))
    alma = TherapistFactory(name="Alma Archer", slug="alma", services=[service])
    bruno = TherapistFactory(name="Bruno Bexley", slug="bruno", services=[service])
    for therapist, user in [(alma, users["therapist"]), (bruno, bruno_user)]:
        week_of_hours(therapist, [("09:00", "17:00")])
        therapist.user = user
        therapist.bio = "Listens first, then works."
        therapist.save()  # a second version in the history
    service.summary = "Slow, firm pressure for chronic knots."
    service.save()
    policy = BookingPolicy.objects.create()
    policy.reminder_hours = 36
    policy.save()
    clinic = Clinic.objects.get()
    clinic.tagline = "Therapeutic massage in Lancaster"
    clinic.save()
    closure = ClinicClosure.objects.create(
        name="Founders Day",
        first_day=today + timedelta(days=40),
        last_day=today + timedelta(days=40),
    )
    closure.name = "Founders Day (observed)"
    closure.save()
    gift_settings = GiftSettings.objects.create()

    def paid_gift(amount: str, **people) -> GiftCertificate:
        ordered = purchase_gift_certificate(amount=Decimal(amount), **people)
        return mark_gift_certificate_paid(certificate=ordered, by=users["owner"])

    bought = paid_gift(
        "100", buyer_name=B_NAME, buyer_email=B_EMAIL,
        recipient_name="Rosalind Quenby", recipient_email="rosalind.quenby@example.net",
    )  # fmt: skip
    given = paid_gift(
        "50", buyer_name="Gideon Fairweather", buyer_email="gideon.fairweather@example.net",
        recipient_name=B_NAME, recipient_email=B_EMAIL,
    )  # fmt: skip
    a_details = ClientDetails(
        name="Alfred Ashdown", email="alfred.ashdown@example.net", phone="717-555-0142"
    )
    paid_gift("75", buyer_name=a_details.name, buyer_email=a_details.email)

    desk = users["front desk"]
    b_details = ClientDetails(name=B_NAME, email=B_EMAIL, phone=B_PHONE)
    b_future = book_appointment(
        option=option, therapist=bruno, start=on(day, "10:00"), client=b_details, by=desk,
        intake=intake(B_INJURY, B_GOALS), gift_code=given.code,
    )  # fmt: skip
    b_future = reschedule_appointment(appointment=b_future, start=on(day, "11:00"), by=desk)
    b_cancelled = book_appointment(
        option=option, therapist=bruno, start=on(day, "14:00"), client=b_details, by=desk
    )
    cancel_appointment(appointment=b_cancelled, reason="Client called", by=desk)
    b_client = Client.objects.get(email=B_EMAIL)
    b_past = AppointmentFactory(
        client=b_client, therapist=bruno, option=option, start=on(past, "10:00")
    )
    b_done = AppointmentFactory(
        client=b_client, therapist=bruno, option=option, start=on(past, "13:00")
    )
    complete_appointment(appointment=b_done, by=desk)
    b_client.notes = "Prefers the quiet room"
    b_client.save()

    a_future = book_appointment(
        option=option, therapist=alma, start=on(day, "10:00"), client=a_details, by=desk,
        intake=intake(A_INJURY, A_GOALS),
    )  # fmt: skip
    a_client = Client.objects.get(email=a_details.email)
    a_past = AppointmentFactory(
        client=a_client, therapist=alma, option=option, start=on(past, "10:00")
    )
    a_client.notes = "Likes a warm room"
    a_client.save()

    # Session records and plans (a second version each, for their history pages).
    records, plans = {}, {}
    for key, session, note, focus in [
        ("B", b_done, B_NOTE, B_FOCUS),
        ("A", a_past, A_NOTE, A_FOCUS),
    ]:
        records[key] = SessionRecord.objects.create(appointment=session, pressure=3, notes="")
        records[key].notes = note
        records[key].save()
        SessionAddendum.objects.create(record=records[key], text=f"{note} (addendum)")
        plans[key] = TreatmentPlan.objects.create(
            appointment=session, focus="", sessions_planned=4, interval_days=14
        )
        plans[key].focus = focus
        plans[key].save()
    access = AccessLog.objects.create(
        user=users["owner"], action="viewed", what="session record", object_id=records["B"].pk,
        appointment=b_done,
    )  # fmt: skip

    time_off = {}
    for therapist, reason in [(bruno, B_TIME_OFF), (alma, "Dentist")]:
        off = TimeOff.objects.create(
            therapist=therapist,
            starts_at=on(day + timedelta(days=1), "09:00"),
            ends_at=on(day + timedelta(days=1), "12:00"),
            reason=reason,
        )
        off.ends_at = on(day + timedelta(days=1), "13:00")
        off.save()
        time_off[therapist.slug] = off

    extra_shifts = {}
    for therapist in [bruno, alma]:
        shift = ExtraShift.objects.create(
            therapist=therapist,
            day=day + timedelta(days=3),
            starts=time(17),
            ends=time(19),
            note="Late evening",
        )
        shift.ends = time(20)
        shift.save()
        extra_shifts[therapist.slug] = shift

    therapist_group = Group.objects.get(name=THERAPIST)
    locked_out = AccessAttempt.objects.create(  # Bruno's login, locked after wrong passwords
        username="bruno", ip_address="203.0.113.9", user_agent="Walk", path_info="/admin/login/",
        get_data="", post_data="username=bruno", http_accept="*/*", failures_since_start=5,
    )  # fmt: skip
    b_rows = {  # B's row of each registered model (or one row, for a model of no therapist)
        "axes.accessattempt": locked_out,
        "booking.appointment": b_future,
        "booking.client": b_client,
        "booking.therapist": bruno,
        "booking.timeoff": time_off["bruno"],
        "booking.extrashift": extra_shifts["bruno"],
        "booking.service": service,
        "booking.clinic": clinic,
        "booking.bookingpolicy": policy,
        "booking.giftsettings": gift_settings,
        "booking.giftcertificate": bought,
        "booking.giftledgerentry": GiftLedgerEntry.objects.get(certificate=given, kind="redeem"),
        "booking.outboundemail": b_future.emails.filter(to=B_EMAIL).order_by("pk").first(),
        "booking.clinicclosure": closure,
        "auth.user": bruno_user,
        "auth.group": therapist_group,
        "content.page": Page.objects.order_by("pk").first(),
        "booking.sessionrecord": records["B"],
        "booking.treatmentplan": plans["B"],
        "booking.accesslog": access,
    }
    own_rows = {  # A's own row, for models a therapist sees only some rows of
        "booking.appointment": a_future,
        "booking.client": a_client,
        "booking.therapist": alma,
        "booking.timeoff": time_off["alma"],
        "booking.extrashift": extra_shifts["alma"],
        "booking.sessionrecord": records["A"],
        "booking.treatmentplan": plans["A"],
    }
    action_rows = {  # what admin actions are posted for (started sessions take outcomes)
        "booking.appointment": [b_past, b_cancelled],
        "booking.giftcertificate": [bought, given],
        "booking.outboundemail": list(OutboundEmail.objects.filter(to=B_EMAIL)),
    }
    own_action_rows = {"booking.appointment": [a_past]}
    started = {"B": b_past, "A": a_past}
    return SimpleNamespace(
        day=day, past=past, users=users, spare_user=spare_user, option=option,
        alma=alma, bruno=bruno, b_rows=b_rows, own_rows=own_rows, action_rows=action_rows,
        own_action_rows=own_action_rows, started=started, password=PASSWORD, b_past=b_past,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# The URLs, from the resolver.
# ---------------------------------------------------------------------------------------------
@dataclass
class Target:
    key: str
    url: str
    own: bool = False  # on therapist A's own row: walked by the therapist only
    get: bool = True
    form: bool = True  # a POST starts from the form shown at `url`
    values: dict = field(default_factory=dict)
    setup: Callable[[], object] | None = None


def admin_patterns() -> list[tuple[str, str | None]]:
    """(route, "namespace:name") of every URL pattern under /admin/, in resolving order."""

    def walk(patterns, prefix: str, namespace: str):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                inner = ":".join(filter(None, [namespace, pattern.namespace]))
                yield from walk(pattern.url_patterns, route, inner)
            elif route.startswith("admin/"):
                yield route, f"{namespace}:{pattern.name}" if pattern.name else None

    return list(walk(get_resolver().url_patterns, "", ""))


OBJECT_ARGUMENT = re.compile(r"<(?:\w+:)?(?:object_id|pk|id)>")
VERSION_ROUTE = "^([^/]+)/history/([^/]+)/$"


def admin_targets(w) -> tuple[list[Target], list[str]]:
    """Every URL to walk, and the routes the walk does not know how to fill."""
    prefixes = {
        f"admin/{model._meta.app_label}/{model._meta.model_name}/": model_admin
        for model, model_admin in admin.site._registry.items()
    }
    targets, unfilled = [], []
    for route, name in admin_patterns():
        prefix = next((p for p in prefixes if route.startswith(p)), None)
        try:
            if prefix is not None:
                found = model_targets(w, prefixes[prefix], route.removeprefix(prefix), name)
            else:
                found = site_targets(w, route, name)
        except LookupError as error:
            unfilled.append(f"{route}: {error}")
            continue
        targets += found
    return targets, unfilled


def action_names(model_admin, location: ActionLocation) -> list[str]:
    names = [name for name, _ in admin.site.actions] + [
        a if isinstance(a, str) else a.__name__ for a in model_admin.actions or []
    ]
    found = (model_admin.get_action(name, location) for name in dict.fromkeys(names))
    return [action.name for action in found if action]


def model_targets(w, model_admin, rest: str, name: str | None) -> list[Target]:
    """The URLs of one of a ModelAdmin's patterns (`rest`, after its prefix), on B's row and,
    for models a therapist sees some rows of, on A's own; a list's actions besides."""
    opts = model_admin.opts
    label, base = opts.label_lower, f"/admin/{opts.app_label}/{opts.model_name}/"
    key = name or (f"admin:{opts.app_label}_{opts.model_name}_object" if rest == "<path:object_id>/"
                   else f"admin/{opts.app_label}/{opts.model_name}/{rest}")  # fmt: skip
    if rest == "":
        targets = [Target(key, base, values=post_values(w, key, False))]
        for action in action_names(model_admin, ActionLocation.CHANGE_LIST):
            for rows, own in owned(w, label):
                targets.append(action_target(f"{key} action={action}", base, action, rows, own))
        return targets
    if rest == "add/":
        return [Target(key, base + "add/", values=post_values(w, key, False), setup=SETUP.get(key))]
    if label not in w.b_rows:
        raise LookupError(f"no row of {label} in the walk's data (add one to build_clinic)")
    targets = []
    for obj, own in [(w.b_rows[label], False), (w.own_rows.get(label), True)]:
        if obj is None:
            continue
        if rest == VERSION_ROUTE:
            for version in obj.history.order_by("history_id").values_list("history_id", flat=True):
                targets.append(Target(key, f"{base}{obj.pk}/history/{version}/", own))
        elif OBJECT_ARGUMENT.search(rest):
            url = base + OBJECT_ARGUMENT.sub(str(obj.pk), rest)
            values = post_values(w, key, own)
            targets.append(Target(key, url, own, values=values, setup=SETUP.get(key)))
            if name and name.endswith("_change"):  # Django 6.1's actions on the change form
                for action in action_names(model_admin, ActionLocation.CHANGE_FORM):
                    targets.append(
                        action_target(f"{key} action={action}", url, action, [obj], own,
                                      prefix=f"{ActionLocation.CHANGE_FORM.value}-")
                    )  # fmt: skip
        else:
            raise LookupError("unknown arguments")
    return targets


def owned(w, label: str):
    """The rows an action is posted for: B's, then A's own where a therapist sees some rows."""
    if label not in w.b_rows:
        raise LookupError(f"no row of {label} in the walk's data (add one to build_clinic)")
    yield w.action_rows.get(label, [w.b_rows[label]]), False
    if label in w.own_rows:
        yield w.own_action_rows.get(label, [w.own_rows[label]]), True


def action_target(key: str, url: str, action: str, rows, own: bool, prefix: str = "") -> Target:
    """An admin action run on `rows`, as its button posts it (a deletion confirmed at once)."""
    values = {f"{prefix}action": action, f"{prefix}select_across": "0", "index": "0",
              "_selected_action": [str(row.pk) for row in rows]}  # fmt: skip
    if action == "delete_selected":
        values["post"] = "yes"  # the confirmation page's answer
    return Target(key, url, own, get=False, form=False, values=values)


def site_targets(w, route: str, name: str | None) -> list[Target]:
    """The URLs of the admin site's own patterns and of the back office's."""
    if name == "admin:app_list":
        labels = sorted({model._meta.app_label for model in admin.site._registry})
        return [Target(f"{name} {label}", f"/admin/{label}/") for label in labels]
    if name == "admin:autocomplete":
        return autocomplete_targets()
    if name == "backoffice:view_on_site":
        return shortcut_targets(w)
    if name == "admin:view_on_site":  # Django's own, which checks nothing: never reached
        ct = ContentType.objects.get_for_model(Appointment)
        url = reverse(name, args=[ct.pk, w.b_rows["booking.appointment"].pk])
        return [Target(name, url)]
    if route == "admin/(?P<url>.*)$":
        return [Target("admin:catch_all", "/admin/no-such-page/")]
    query = f"?{urlencode(QUERIES[name](w))}" if name in QUERIES else ""
    if name == "backoffice:calendar_week":
        return [
            Target(name, reverse(name, args=[w.bruno.pk]) + query),
            Target(name, reverse(name, args=[w.alma.pk]) + query, own=True),
        ]
    if name in {"backoffice:move_appointment", "backoffice:cancel_appointment"}:
        return [
            Target(name, reverse(name, args=[row.pk]), own, values=post_values(w, name, own))
            for row, own in [(w.b_rows["booking.appointment"], False),
                             (w.own_rows["booking.appointment"], True)]
        ]  # fmt: skip
    if name == "backoffice:record_outcome":  # the page's buttons, on sessions that have begun
        return [
            Target(f"{name} {outcome}", reverse(name, args=[row.pk, outcome]), own, form=False)
            for outcome in OUTCOMES
            for row, own in [(w.started["B"], False), (w.started["A"], True)]
        ]
    if name is None or "<" in route or "(" in route:
        raise LookupError("unknown arguments")
    return [Target(name, reverse(name) + query, values=post_values(w, name, False))]


def autocomplete_targets() -> list[Target]:
    """One search for B's client per model an autocomplete can reach (an admin with search
    fields), from the first relation that leads to it: the admin's own search, on its rows."""
    sources = {}
    for model in apps.get_models():
        for relation in model._meta.get_fields():
            if not relation.is_relation or relation.auto_created:
                continue
            target_admin = admin.site._registry.get(relation.related_model)
            if target_admin is not None and target_admin.search_fields:
                sources.setdefault(relation.related_model._meta.label_lower, (model, relation))
    return [
        Target(
            f"admin:autocomplete {label}",
            reverse("admin:autocomplete") + "?" + urlencode({
                "app_label": model._meta.app_label,
                "model_name": model._meta.model_name,
                "field_name": relation.name,
                "term": B_NAME.split()[-1],
            }),
        )
        for label, (model, relation) in sorted(sources.items())
    ]  # fmt: skip


def shortcut_targets(w) -> list[Target]:
    name = "backoffice:view_on_site"
    targets = []
    for model in admin.site._registry:
        label = model._meta.label_lower
        ct = ContentType.objects.get_for_model(model)
        for rows, own in [(w.b_rows, False), (w.own_rows, True)]:
            if label in rows:
                targets.append(
                    Target(f"{name} {label}", reverse(name, args=[ct.pk, rows[label].pk]), own)
                )
    for model in apps.get_models():  # a row of each model with no admin, B's intake among them
        if model in admin.site._registry or model._meta.app_label not in {"booking", "content"}:
            continue
        row = model._base_manager.order_by("pk").first()
        if row is not None and not model.__name__.startswith("Historical"):
            ct = ContentType.objects.get_for_model(model)
            targets.append(
                Target(f"{name} (models without an admin)", reverse(name, args=[ct.pk, row.pk]))
            )
    return targets


# ---------------------------------------------------------------------------------------------
# Asking, and judging the answers.
# ---------------------------------------------------------------------------------------------
SNAPSHOT_APPS = {"booking", "content", "auth", "admin", "axes"}


def snapshot() -> dict[str, str]:
    """A digest of every row of every table of these apps (history and many-to-many included),
    in one query: PostgreSQL digests each table's rows, SQLite hands them over as text."""
    models = [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in SNAPSHOT_APPS
    ]
    quote_name, parts = connection.ops.quote_name, []
    for model in models:
        table = quote_name(model._meta.db_table)
        if connection.vendor == "postgresql":
            rows = f"SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM {table} t"
        else:
            row = " || ',' || ".join(
                f"quote({quote_name(field.column)})" for field in model._meta.concrete_fields
            )
            key = quote_name(model._meta.pk.column)
            rows = (
                f"SELECT group_concat(r, '|') FROM (SELECT {row} AS r FROM {table} ORDER BY {key})"
            )
        parts.append(f"SELECT %s, ({rows})")
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), [model._meta.label for model in models])
        return {
            label: hashlib.sha1((rows or "").encode()).hexdigest()
            for label, rows in cursor.fetchall()
        }


@dataclass
class Answer:
    status: int | None
    body: str = ""
    location: str = ""
    messages: str = ""
    changed: list[str] | None = None  # models whose rows changed (None: not looked at)
    error: str = ""

    @property
    def seen(self) -> str:
        """Everything the role is shown: the page, where it is sent, the messages it will read."""
        shown = f"{self.body}\n{self.location}\n{self.messages}"
        return f"{shown}\n{unquote(shown)}"


def ask(w, role: str, method: str, target: Target, data: dict | None = None) -> Answer:
    """One request, inside a savepoint that is rolled back: every request meets the same rows."""
    browser = w.browsers[role]
    session = browser.cookies[settings.SESSION_COOKIE_NAME].value
    answer = Answer(status=None)
    with transaction.atomic():
        if target.setup:
            target.setup()
        before = snapshot() if method == "POST" and target.setup else w.baseline
        try:
            if method == "GET":
                response = browser.get(target.url)
            else:
                response = browser.post(target.url, data)
            if method == "POST":
                after = snapshot()
                answer.changed = sorted(label for label in after if after[label] != before[label])
        except Exception as error:  # a 500: reported with the rest, and the walk goes on
            answer.error = f"{type(error).__name__}: {error}"
        else:
            answer.status = response.status_code
            content = (
                b"".join(response.streaming_content) if response.streaming else response.content
            )
            answer.body = content.decode("utf-8", "replace")
            answer.location = response.get("Location", "")
        transaction.set_rollback(True)
    # The session row was rolled back with the rest (a logout, a password change): keep the
    # login; messages a POST left are read here, not on the next page walked.
    browser.cookies[settings.SESSION_COOKIE_NAME] = session
    morsel = browser.cookies.pop("messages", None)
    if morsel is not None and morsel.value:
        decoded = CookieStorage(HttpRequest())._decode(morsel.value) or []
        answer.messages = "\n".join(str(message) for message in decoded)
    return answer


class FormReader(HTMLParser):
    """The values a browser would submit from the page's main form (the first POST form that
    is not the logout button), as the page shows it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.data: dict[str, list[str]] = {}
        self.state = "before"  # "in" the form, then "done"
        self.select: tuple[str, bool] | None = None
        self.options: list[tuple[str, bool]] = []
        self.textarea: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        found = dict(attrs)
        if self.state == "before" and tag == "form":
            if (found.get("method") or "").lower() == "post" and found.get("id") != "logout-form":
                self.state = "in"
            return
        name = found.get("name")
        if self.state != "in" or "disabled" in found:
            return
        if tag == "input" and name and name != "csrfmiddlewaretoken":
            kind = (found.get("type") or "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in found:
                return
            self.data.setdefault(name, []).append(found.get("value") or ("on" if kind in {
                "checkbox", "radio"} else ""))  # fmt: skip
        elif tag == "select" and name:
            self.select, self.options = (name, "multiple" in found), []
        elif tag == "option" and self.select:
            self.options.append((found.get("value", ""), "selected" in found))
        elif tag == "textarea" and name:
            self.textarea = [name, ""]

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag: str) -> None:
        if self.state != "in":
            return
        if tag == "form":
            self.state = "done"
        elif tag == "select" and self.select:
            name, multiple = self.select
            chosen = [value for value, selected in self.options if selected]
            if not chosen and self.options and not multiple:
                chosen = [self.options[0][0]]
            self.data.setdefault(name, []).extend(chosen)
            self.select = None
        elif tag == "textarea" and self.textarea:
            name, text = self.textarea
            self.data.setdefault(name, []).append(text.removeprefix("\n"))
            self.textarea = None


def form_shown(html: str) -> dict[str, list[str]]:
    reader = FormReader()
    reader.feed(html)
    return reader.data


def payload(w, target: Target) -> dict:
    """The form at the URL as the owner's walk saw it (else as a superuser sees it), with the
    target's values over it."""
    data = {}
    if target.form:
        if target.url not in w.forms:
            shown = ask(w, "superuser", "GET", target)
            w.forms[target.url] = form_shown(shown.body) if shown.status == 200 else {}
        data = dict(w.forms[target.url])
    data.update(target.values)
    return data


def secrets(w, role: str) -> dict[str, str]:
    """What the role's answers must never contain, by name."""
    found = {
        f"booking token of appointment {pk}": token
        for pk, token in Appointment.objects.values_list("pk", "token")
    }
    intakes = {
        "B's intake (injuries)": B_INJURY,
        "B's intake (goals)": B_GOALS,
        "B's session note": B_NOTE,
        "B's plan": B_FOCUS,
    }
    if role == "front desk":
        found |= intakes | {
            "A's intake (injuries)": A_INJURY,
            "A's intake (goals)": A_GOALS,
            "A's session note": A_NOTE,
            "A's plan": A_FOCUS,
        }
    if role == "therapist":
        found |= intakes | {
            "B's client's name": B_NAME.split()[-1],
            "B's client's email": B_EMAIL,
            "B's client's email (in a URL)": quote(B_EMAIL),
            "B's client's phone": B_PHONE,
            "B's time off reason": B_TIME_OFF,
        }
        for certificate in GiftCertificate.objects.all():
            code, shown = certificate.code, certificate.display_code
            found |= {
                f"gift code {shown[-4:]}": code,
                f"gift code {shown[-4:]} (as printed)": shown,
                f"gift code {shown[-4:]} (all but the last four)": code[:-4],
                f"gift code {shown[-4:]} (all but the last four, as printed)": shown[:-5],
                f"gift certificate link of {shown[-4:]}": certificate.token,
            }
    return found


def expected(key: str, role: str, own: bool) -> tuple[int | None, int | None, bool] | None:
    """(GET status, POST status, whether the POST changes rows) for this role, or None."""
    row = EXPECTED.get(key)  # a key without a row: the completeness test names it
    if row is None:
        return None
    column = COLUMNS["owner" if role == "superuser" else role]
    cell = row[3] if own else row[column]
    if cell is None or (own and role != "therapist"):
        return None
    get, _, post = cell.partition(" ")
    return (
        None if get == "-" else int(get),
        int(post.rstrip("+")) if post else None,
        post.endswith("+"),
    )


def form_errors(body: str) -> str:
    """The errors a refused form shows, to say why a POST did not go through."""
    found = re.findall(r'class="(?:errornote|errorlist[^"]*)"[^>]*>(.*?)</(?:p|ul)>', body, re.S)
    text = " ".join(" ".join(re.sub(r"<[^>]+>", " ", error).split()) for error in found)
    return f" ({text})" if text else ""


LINK = re.compile(r"""(?:href|action)="([^"]+)\"""")


def walk_as(w, role: str) -> list[str]:
    """Every URL as this role: what differs from the table, leaks, forbidden writes."""
    problems, pages, refused = [], [], set()
    forbidden = secrets(w, role)
    for target in w.targets:
        cell = expected(target.key, role, target.own)
        if cell is None:
            continue
        get_status, post_status, changes = cell
        if role == "superuser" and get_status in {200, 302, None}:
            continue  # the owner's walk shows what is open; a superuser is refused the same
        where = f"{target.url} [{target.key}{' on A' if target.own else ''}]"
        requests = []
        if target.get and get_status is not None:
            requests.append(("GET", get_status, None))
        if post_status is not None and role != "superuser":
            requests.append(("POST", post_status, payload(w, target)))
        for method, status, data in requests:
            answer = ask(w, role, method, target, data)
            if answer.error:
                problems.append(f"{role}: {method} {where} raised {answer.error}")
                continue
            if answer.status != status:
                problems.append(
                    f"{role}: {method} {where} answered {answer.status}, not {status}"
                    + form_errors(answer.body)
                )
            seen = answer.seen
            leaked = [name for name, value in forbidden.items() if value in seen]
            if leaked:
                problems.append(f"{role}: {method} {where} shows {', '.join(leaked)}")
            if target.key.startswith(("backoffice:view_on_site", "admin:view_on_site")) and (
                re.search(r"/(booking|gift-certificates)/", answer.location)
            ):
                problems.append(f"{role}: {where} sends to the bearer link {answer.location}")
            if method == "POST" and changes and not answer.changed:
                problems.append(f"{role}: POST {where} changed nothing (is the walk's form valid?)")
            if method == "POST" and not changes and answer.changed:
                problems.append(f"{role}: POST {where} changed {', '.join(answer.changed)}")
            if method != "GET":
                continue
            if role == "owner" and answer.status == 200 and post_status and target.form:
                w.forms.setdefault(target.url, form_shown(answer.body))  # what POSTs start from
            if answer.status == 403:
                refused.add(urlsplit(target.url).path)
            if answer.status == 200 and "<html" in answer.body[:500]:
                pages.append((target, answer.body))
    # Roles see only the actions they can use: no page links to a screen that refuses them.
    for target, body in pages:
        for link in {
            urlsplit(urljoin(target.url, unescape(href))).path for href in LINK.findall(body)
        }:
            if link in refused:
                problems.append(
                    f"{role}: {target.url} [{target.key}] links to {link}, which answers 403"
                )
        if role == "therapist" and "Book a phone client" in body:
            problems.append(f"{role}: {target.url} [{target.key}] offers “Book a phone client”")
        if role == "therapist" and re.search(r'class="fc-free"[^>]*>\s*<(a|form|button)', body):
            problems.append(f"{role}: {target.url} [{target.key}] shows click-to-book cells")
    return problems


# ---------------------------------------------------------------------------------------------
# The tests.
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def walk(django_db_setup, django_db_blocker):
    """The clinic and a browser per role, built once for the module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        with override_settings(PASSWORD_HASHERS=FAST_HASHERS):
            w = build_clinic()
        w.browsers = {}
        for role, user in w.users.items():
            w.browsers[role] = Browser()
            w.browsers[role].force_login(user)
        w.targets, w.unfilled = admin_targets(w)
        w.baseline = snapshot()
        w.forms = {}
        yield w
        transaction.set_rollback(True)


def test_every_admin_url_has_a_row_in_the_table(walk):
    keys = {target.key for target in walk.targets}
    own_keys = {target.key for target in walk.targets if target.own}
    missing, gone = sorted(keys - EXPECTED.keys()), sorted(EXPECTED.keys() - keys)

    assert not walk.unfilled, "the walk cannot fill (teach it):\n" + "\n".join(walk.unfilled)
    assert not missing, "no row in EXPECTED for:\n" + "\n".join(missing)
    assert not gone, "rows in EXPECTED for URLs that are gone:\n" + "\n".join(gone)
    for key, row in EXPECTED.items():
        assert (row[3] is not None) == (key in own_keys), (
            f"{key}: the fourth column is for A's own rows"
        )
        assert len({" " in cell for cell in row if cell}) == 1, (
            f"{key}: a POST for every role or none"
        )
    scoped = {
        model._meta.label_lower
        for model, model_admin in admin.site._registry.items()
        if getattr(model_admin, "therapist_path", None)
    }
    assert scoped == set(walk.own_rows), "A's own row of every model a therapist sees some rows of"
    shortcut = next(t.url for t in walk.targets if t.key == "admin:view_on_site")
    assert resolve(shortcut).view_name == "backoffice:view_on_site"  # Django's is never reached


def test_every_admin_and_inline_goes_through_the_role_helper():
    bypassing = [
        f"{type(model_admin).__name__} ({model._meta.label})"
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, RoleAdmin)
    ] + [
        f"{inline.__name__} (in {type(model_admin).__name__})"
        for model_admin in admin.site._registry.values()
        for inline in model_admin.inlines
        if not issubclass(inline, RoleInline)
    ]
    assert not bypassing, f"not through booking.backoffice.roles: {bypassing}"


@pytest.mark.parametrize("role", ["owner", "front desk", "therapist", "superuser"])
def test_each_role_gets_what_the_table_says_on_every_admin_url(walk, role):
    problems = walk_as(walk, role)

    assert not problems, f"{len(problems)} differences from the table:\n" + "\n".join(problems)
