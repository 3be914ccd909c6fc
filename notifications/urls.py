from django.urls import path

from . import sms_views, views

app_name = "notifications"

# Under /waitlist/<slug>/notify/ (config/urls.py): the diner's own party, from the session.
party_urls = [
    path("phone", views.phone, name="phone"),
    path("email", views.email, name="email"),
    path("push", views.push, name="push"),
    path("stop", views.stop, name="stop"),
    path("eta", views.eta, name="eta"),
    path("act", views.act, name="act"),
]

urlpatterns = [
    path("sms/twilio", sms_views.inbound, name="sms_inbound"),
    path("sms/twilio/status", sms_views.status, name="sms_status"),
]
