from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from notifications import views as notification_views
from notifications.urls import party_urls
from waitlist import views as waitlist_views

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),  # set_language: the pages' language buttons
    path("healthz", views.healthz, name="healthz"),
    path("healthz/web", views.healthz_web, name="healthz_web"),
    path("waitlist/<slug:slug>/notify/", include((party_urls, "notify"))),
    path("waitlist/<slug:slug>/manifest.webmanifest", notification_views.manifest, name="manifest"),
    path("waitlist/", include("waitlist.urls")),
    path("w/<int:restaurant_id>/<str:token>", waitlist_views.short_link, name="short_link"),
    path("notify/", include("notifications.urls")),
    path("sw.js", notification_views.service_worker, name="service_worker"),
    path("host/", include("seating.urls")),
]

if settings.BENCHMARK_ENDPOINTS:
    urlpatterns.append(path("bench/bare", views.bare_post))

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
