from django.contrib import admin
from django.urls import include, path

from accounts import companion_views
from accounts import views as account_views
from api.core.view import WikiGraphQLView
from wiki import views

urlpatterns = [
    path("_graphql", WikiGraphQLView.as_view(), name="graphql"),
    path(".well-known/jwk.json", account_views.jwk_json, name="jwk-json"),
    path(".well-known/jwk.pem", account_views.jwk_pem, name="jwk-pem"),
    # Before admin/: the admin's catch-all would otherwise answer this URL.
    path("admin/api-access/", include("accounts.admin_views")),
    path("admin/mail-settings/", include("accounts.admin_mail_settings")),
    path("admin/", admin.site.urls),
    # Companion routes that mails link to (API.md §1.6).
    path("verify/<str:token>", companion_views.verify, name="verify"),
    path("login-reset/<str:token>", companion_views.login_reset, name="login-reset"),
    path("", views.home, name="home"),
]
