"""The admin works on a closed network: no page asks the browser for outside resources."""

import pytest

pytestmark = pytest.mark.django_db


def test_admin_pages_do_not_load_avatars_from_gravatar(admin_client, admin_user):
    """Issue 10: avatars pointed at gravatar.com and showed as broken images without internet."""
    admin_user.email = "admin@example.com"
    admin_user.save()
    for url in ("/admin/", "/admin/account/"):
        page = admin_client.get(url).content.decode()
        assert "gravatar.com" not in page, url
