from django.urls import path

from . import controls, views
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
    path("<slug:slug>/undo", controls.undo, name="undo"),
    path("<slug:slug>/joins/<str:action>", controls.joins, name="joins"),
    path("<slug:slug>/quotes", controls.quotes, name="quotes"),
    path("<slug:slug>/hold-time", controls.hold_time, name="hold_time"),
    path("<slug:slug>/parties/<int:party_id>/edit", controls.edit_page, name="edit_party"),
    path("<slug:slug>/parties/<int:party_id>/save", controls.edit, name="save_party"),
    path("<slug:slug>/parties/<int:party_id>/move", controls.move, name="move_party"),
    path("<slug:slug>/poster", views.poster, name="poster"),
    path("<slug:slug>/insights", insights_views.insights, name="insights"),
    path("<slug:slug>/insights/<slug:name>.csv", insights_views.insights_csv, name="insights_csv"),
]
