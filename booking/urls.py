from django.urls import path

from booking import views

app_name = "booking"

urlpatterns = [
    path("book/", views.book, name="book"),
    path("booking/<str:token>/", views.manage, name="manage"),
    path("booking/<str:token>/calendar.ics", views.calendar_file, name="calendar"),
    path("booking/<str:token>/reschedule/", views.reschedule, name="reschedule"),
    path("booking/<str:token>/cancel/", views.cancel, name="cancel"),
    path("gift-certificates/", views.gift_certificates, name="gift_certificates"),
]
