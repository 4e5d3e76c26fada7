from django.urls import path

from booking import views, views_gift

app_name = "booking"

urlpatterns = [
    path("book/", views.book, name="book"),
    path("booking/<str:token>/", views.manage, name="manage"),
    path("booking/<str:token>/calendar.ics", views.calendar_file, name="calendar"),
    path("booking/<str:token>/reschedule/", views.reschedule, name="reschedule"),
    path("booking/<str:token>/cancel/", views.cancel, name="cancel"),
    path("gift-certificates/", views_gift.gift_certificates, name="gift_certificates"),
    path("gift-certificates/balance/", views_gift.gift_balance, name="gift_balance"),
    path("gift-certificates/stripe/webhook/", views_gift.stripe_webhook, name="stripe_webhook"),
    path("gift-certificates/<str:token>/", views_gift.gift_certificate, name="gift_certificate"),
    path("gift-certificates/<str:token>/thanks/", views_gift.gift_thanks, name="gift_thanks"),
]
