from django.urls import path

from . import views

app_name = "waitlist"

urlpatterns = [
    path("<slug:slug>/", views.page, name="page"),
    path("<slug:slug>/join", views.join, name="join"),
    path("<slug:slug>/checkin", views.checkin, name="checkin"),
    path("<slug:slug>/leave", views.leave, name="leave"),
    path("<slug:slug>/events", views.events, name="events"),
    path("<slug:slug>/p/<str:token>/", views.personal_link, name="link"),
]
