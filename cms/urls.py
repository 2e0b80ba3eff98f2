from django.conf import settings
from django.conf.urls.static import static
from django.http import Http404
from django.urls import include, path
from django.views.defaults import page_not_found
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.admin.views.account import LogoutView

from review.outbox_health import outbox_health

urlpatterns = [
    # Delivery first: a channel's content pull is the hottest URL and resolution tries patterns in order.
    path("api/v1/", include("delivery.api.urls")),
    path("api/v1/", include("search.api.urls")),
    path("api/v1/", include("engagement.api.urls")),
    path("api/v1/schema", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file, so the docs run under the site's CSP.
    path("api/v1/docs", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Wagtail serves its logout only to admin users; reps (API-only) must be able to sign out too.
    path("admin/logout/", LogoutView.as_view(), name="logout"),
    path("healthz/outbox", outbox_health, name="health-outbox"),
    # Wagtail's "failwhale" raises on purpose to test error reporting; a production system has no
    # URL that answers 500 by design (the every-URL × every-role check would flag it).
    path("admin/failwhale/", page_not_found, {"exception": Http404()}, name="wagtailadmin_error_test"),
    path("admin/", include(wagtailadmin_urls)),
    path("reps/", include("reps.urls")),
    path("", include(wagtail_urls)),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
