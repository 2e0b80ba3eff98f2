from django.conf import settings
from django.conf.urls.static import static
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.admin.views.account import LogoutView

from review.outbox_health import outbox_health

urlpatterns = [
    path("api/v1/", include("search.api.urls")),
    path("api/v1/", include("delivery.api.urls")),
    path("api/v1/", include("engagement.api.urls")),
    path("api/v1/schema", SpectacularAPIView.as_view(), name="api-schema"),
    # Wagtail serves its logout only to admin users; reps (API-only) must be able to sign out too.
    path("admin/logout/", LogoutView.as_view(), name="logout"),
    path("healthz/outbox", outbox_health, name="health-outbox"),
    path("admin/", include(wagtailadmin_urls)),
    path("reps/", include("reps.urls")),
    path("", include(wagtail_urls)),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
