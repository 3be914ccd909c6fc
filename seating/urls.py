from django.urls import path

from . import views
from .insights import views as insights_views

app_name = "seating"

urlpatterns = [
    path("<slug:slug>/", views.dashboard, name="dashboard"),
    path("<slug:slug>/events", views.events, name="events"),
    path("<slug:slug>/seat-next", views.seat_next, name="seat_next"),
    path("<slug:slug>/offer", views.offer, name="offer"),
    path("<slug:slug>/walk-in", views.walk_in, name="walk_in"),
    path("<slug:slug>/parties/<str:action>", views.party_action, name="party_action"),
    path("<slug:slug>/tables/<str:action>", views.table_action, name="table_action"),
    path("<slug:slug>/announce", views.announce, name="announce"),
    path("<slug:slug>/poster", views.poster, name="poster"),
    path("<slug:slug>/insights", insights_views.insights, name="insights"),
]
