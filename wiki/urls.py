from django.contrib import admin
from django.urls import include, path, re_path

from accounts import companion_views, profile_views, signin_views
from accounts import views as account_views
from accounts.admin_login import use_wiki_sign_in
from api.core import transport
from api.core.view import WikiGraphQLView
from api.v2.view import graphql_v2_view
from wiki import health

# The admin signs in through the wiki's sign-in: before admin.site.urls builds its routes.
use_wiki_sign_in(admin.site)

# Unexpected failures everywhere (pages, admin, /_graphql): a reference, never the details
# (wiki.error_views); the database away answers 503, also when a middleware (not a view) met it.
handler500 = "wiki.db_unavailable.server_error"

urlpatterns = [
    path("_graphql", WikiGraphQLView.as_view(), name="graphql"),
    # Below the endpoint: a JSON 404 (not the wiki's page for a missing page, nor a redirect).
    re_path(r"^_graphql/", transport.not_found, name="graphql-not-found"),
    # The Wiki.js 2 API (API-v2.md), for the clients written against Wiki.js 2.
    path("graphql", graphql_v2_view(), name="graphql-v2"),
    re_path(r"^graphql/", transport.not_found, name="graphql-v2-not-found"),
    # Answered by wiki.health.HealthCheckMiddleware before the host check; named here so that
    # the paths stay reserved and resolvable (before the pages' catch-all).
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path(".well-known/jwk.json", account_views.jwk_json, name="jwk-json"),
    path(".well-known/jwk.pem", account_views.jwk_pem, name="jwk-pem"),
    # --- Sign-in in the browser: the login flow, the profile, and the admin's
    # login and logout, which are the same sign-in (before admin/, whose own they replace).
    path("login", signin_views.login_page, name="login"),
    path("logout", signin_views.logout_page, name="logout"),
    path(
        "_login/passkey/options", signin_views.passkey_login_options, name="passkey-login-options"
    ),
    path("_login/passkey/verify", signin_views.passkey_login_verify, name="passkey-login-verify"),
    path("_profile", profile_views.profile_page, name="profile"),
    path(
        "_profile/passkey/options", profile_views.passkey_register_options, name="passkey-options"
    ),
    path("_profile/passkey/register", profile_views.passkey_register, name="passkey-register"),
    path("admin/login/", signin_views.admin_login_page, name="admin-login"),
    path("admin/logout/", signin_views.admin_logout_page, name="admin-logout"),
    # --- end of sign-in routes
    # Before admin/: the admin's catch-all would otherwise answer this URL.
    path("admin/api-access/", include("accounts.admin_views")),
    path("admin/mail-settings/", include("accounts.admin_mail_settings")),
    path("admin/", admin.site.urls),
    # Companion routes that mails link to (API.md §1.6).
    path("verify/<str:token>", companion_views.verify, name="verify"),
    path("login-reset/<str:token>", companion_views.login_reset, name="login-reset"),
    # The wiki in a browser, "/" included: page addresses take everything not matched above
    # (the admin's "View site" link, admin.site.site_url = "/", leads there).
    path("", include("pages.urls")),
]

# What middleware refuses before any view (a bad Host header) answers JSON on the API
# addresses (/_graphql and /graphql), and Django's own page elsewhere.
handler400 = transport.bad_request
