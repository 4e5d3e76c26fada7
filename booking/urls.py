from django.urls import path

from booking import views

app_name = "booking"

urlpatterns = [
    path("book/", views.book, name="book"),
    path("gift-certificates/", views.gift_certificates, name="gift_certificates"),
]
