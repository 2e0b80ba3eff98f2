"""The CSP headers built once per kind of response are the ones django-csp builds for each response."""

import pytest
from csp.decorators import csp_update
from csp.middleware import CSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from cms.csp import SiteCSPMiddleware

pytestmark = pytest.mark.django_db


def library_headers(request, response) -> dict:
    """What django-csp itself (with the admin rule) would send, built from scratch."""

    class Fresh(SiteCSPMiddleware):
        process_response = CSPMiddleware.process_response

    out = Fresh(lambda r: response).process_response(request, response)
    return {h: out[h] for h in ("Content-Security-Policy", "Content-Security-Policy-Report-Only") if h in out}


def script_src(response) -> str:
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    return policy["script-src"]


def served(path: str, view=lambda request: HttpResponse("ok")) -> tuple:
    request = RequestFactory().get(path)
    middleware = SiteCSPMiddleware(view)
    middleware.process_request(request)
    return request, middleware.process_response(request, view(request))


@pytest.mark.parametrize("order", [("/admin/login/", "/api/v1/search"), ("/api/v1/search", "/admin/login/")])
def test_admin_and_site_keep_their_own_policy_in_either_order(order):
    for _round in range(2):
        for path in order:
            request, response = served(path)
            assert (
                response["Content-Security-Policy"]
                == library_headers(RequestFactory().get(path), HttpResponse("ok"))["Content-Security-Policy"]
            )
    assert "'unsafe-inline'" in script_src(served("/admin/login/")[1])
    assert "'unsafe-inline'" not in script_src(served("/api/")[1])


def test_a_response_that_used_a_nonce_carries_it(settings):
    from csp.constants import NONCE

    policy = {**settings.CONTENT_SECURITY_POLICY}
    policy["DIRECTIVES"] = {**policy["DIRECTIVES"], "script-src": ["'self'", NONCE]}

    def view(request):
        return HttpResponse(f"<script nonce='{request.csp_nonce}'></script>")

    with override_settings(CONTENT_SECURITY_POLICY=policy):
        served("/reps/")  # a plain response first, so a built policy exists
        request, response = served("/reps/", view)
        _request, plain = served("/reps/")

    assert f"'nonce-{request._csp_nonce}'" in response["Content-Security-Policy"]
    assert "nonce-" not in plain["Content-Security-Policy"]


def test_a_decorated_view_gets_its_own_policy_and_the_next_plain_one_does_not():
    served("/reps/")

    @csp_update({"img-src": ["https://cdn.example.com"]})
    def view(request):
        return HttpResponse("ok")

    _request, decorated = served("/reps/", view)
    _request, plain = served("/reps/")

    assert "https://cdn.example.com" in decorated["Content-Security-Policy"]
    assert "https://cdn.example.com" not in plain["Content-Security-Policy"]


def test_a_nonce_asked_for_after_the_header_was_written_raises():
    from csp.exceptions import CSPNonceError

    served("/reps/")
    request, _response = served("/reps/")

    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)


def test_changed_settings_are_not_answered_from_what_was_built(settings):
    served("/reps/")
    policy = {**settings.CONTENT_SECURITY_POLICY}
    policy["DIRECTIVES"] = {**policy["DIRECTIVES"], "img-src": ["'self'", "https://img.example.com"]}

    with override_settings(CONTENT_SECURITY_POLICY=policy):
        _request, response = served("/reps/")

    assert "https://img.example.com" in response["Content-Security-Policy"]
    assert "https://img.example.com" not in served("/reps/")[1]["Content-Security-Policy"]
