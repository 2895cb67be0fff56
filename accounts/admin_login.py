"""The admin area signs in through the wiki's sign-in (issue 9, item 9).

Django's own admin login authenticates with a model backend and a session, and so skips
every account rule (``restrictLogin``, ``mustChangePwd``, ``isVerified``, TFA, rate limits).
The admin site's login and logout are the wiki's sign-in pages instead (also routed ahead
of ``admin/`` in ``wiki/urls.py``), and its password change is the profile's, which goes
through the same password rules as the API.
"""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.backends import BaseBackend
from django.http import HttpRequest, HttpResponseRedirect

from .second_factor import second_factor_satisfied
from .signin_views import admin_login_page, admin_logout_page


class NoDjangoLogin(BaseBackend):
    """The only authentication backend (``AUTHENTICATION_BACKENDS``): it accepts no one.

    Whatever calls ``django.contrib.auth.authenticate()`` (a stray ``LoginView``, a package's
    form) signs nobody in, and no Django session names a user: the wiki's sign-in services
    are the only way in. (An empty list would make those calls fail with a server error.)
    """

    def authenticate(self, request, **credentials):
        return None

    def get_user(self, user_id):
        return None


def password_change(request: HttpRequest, extra_context=None) -> HttpResponseRedirect:
    return HttpResponseRedirect("/_profile#password")


def use_wiki_sign_in(site: admin.AdminSite) -> None:
    may_use_admin = site.has_permission

    def has_permission(request: HttpRequest) -> bool:
        # Staff, and a second factor used when the account has one (accounts.second_factor).
        return may_use_admin(request) and second_factor_satisfied(request)

    site.has_permission = has_permission
    site.login = admin_login_page
    site.logout = admin_logout_page
    site.password_change = password_change
