from django.urls import path, register_converter

from booking import views, views_care, views_gift


class TokenConverter:
    """A private link's token (`secrets.token_urlsafe`): anything else, a NUL byte included,
    is no link of ours and gets a 404 before it reaches the database."""

    regex = "[A-Za-z0-9_-]{16,64}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TokenConverter, "token")

app_name = "booking"

urlpatterns = [
    path("book/", views.book, name="book"),
    path("booking/<token:token>/", views.manage, name="manage"),
    path("booking/<token:token>/calendar.ics", views.calendar_file, name="calendar"),
    path("booking/<token:token>/reschedule/", views.reschedule, name="reschedule"),
    path("booking/<token:token>/cancel/", views.cancel, name="cancel"),
    path("booking/<token:token>/intake/", views_care.intake, name="intake"),
    path("plan/<token:token>/", views_care.plan, name="plan"),
    path("gift-certificates/", views_gift.gift_certificates, name="gift_certificates"),
    path("gift-certificates/balance/", views_gift.gift_balance, name="gift_balance"),
    path("gift-certificates/stripe/webhook/", views_gift.stripe_webhook, name="stripe_webhook"),
    path("gift-certificates/<token:token>/", views_gift.gift_certificate, name="gift_certificate"),
    path("gift-certificates/<token:token>/thanks/", views_gift.gift_thanks, name="gift_thanks"),
]
