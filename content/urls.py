from django.urls import path

from content import views

app_name = "content"

urlpatterns = [
    path("", views.home, name="home"),
    path("back-pain-guide/", views.guide, name="guide"),
    path("about/", views.about, name="about"),
    path("find-my-massage/", views.find_my_massage, name="find_my_massage"),
    path("services/", views.service_list, name="service_list"),
    path("services/<slug:slug>/", views.service_detail, name="service_detail"),
    path("therapists/", views.therapist_list, name="therapist_list"),
    path("therapists/<slug:slug>/", views.therapist_detail, name="therapist_detail"),
]
