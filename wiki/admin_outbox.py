"""The outbox in the admin (API.md §4.6 "Delivery"): what was sent, what waits, what failed.

Read-only: messages change only through ``wiki.outbox``, here by the "Resend" action. The body
is never shown, nor even read for display (the list and the page defer it): it is sealed, and
a welcome mail's holds a password. The page says only whether it is still kept.

Who sees it: the model's admin permissions, which ``accounts.models.User.has_perm`` maps to
scopes; no scope but ``manage:system`` opens this model, as for the settings store.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import BooleanField, ExpressionWrapper, Q, QuerySet
from django.http import HttpRequest
from django.utils.text import Truncator

from . import outbox
from .mail import MailNotSent
from .models import OutboundMail

SHOWN_FIELDS = (
    "id",
    "kind",
    "recipient",
    "subject",
    "status",
    "attempts",
    "last_error",
    "created_at",
    "next_attempt_at",
    "last_attempt_at",
    "sent_at",
    "message_id",
    "body_state",
)


class OutboundMailAdmin(admin.ModelAdmin):
    list_display = (
        "recipient",
        "kind",
        "subject",
        "status",
        "attempts",
        "error",
        "created_at",
        "last_attempt_at",
        "sent_at",
    )
    list_filter = ("status", "kind")
    search_fields = ("recipient",)
    fields = SHOWN_FIELDS
    readonly_fields = SHOWN_FIELDS
    actions = ("resend_messages",)
    list_per_page = 50

    def get_queryset(self, request: HttpRequest) -> QuerySet[OutboundMail]:
        return (
            super()
            .get_queryset(request)
            .defer("body")
            .annotate(body_kept=ExpressionWrapper(~Q(body=""), output_field=BooleanField()))
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_resend_permission(self, request: HttpRequest) -> bool:
        # Resending changes a message: the model's change permission (manage:system), which
        # the admin's read-only switch above does not grant.
        return request.user.has_perm(f"{self.opts.app_label}.change_{self.opts.model_name}")

    @admin.display(description="last error")
    def error(self, obj: OutboundMail) -> str:
        return Truncator(obj.last_error).chars(80)

    @admin.display(description="body")
    def body_state(self, obj: OutboundMail) -> str:
        if obj.body_kept:
            return "kept, sealed (erased once delivered)"
        return "erased"

    @admin.action(description="Resend the selected messages", permissions=["resend"])
    def resend_messages(self, request: HttpRequest, queryset: QuerySet[OutboundMail]) -> None:
        for row in queryset.order_by("created_at"):
            try:
                resent = outbox.resend(row)
            except MailNotSent as error:
                messages.warning(request, f"{row}: not resent, {error}.")
                continue
            if not resent:
                messages.info(request, f"{row}: not resent, it is pending already.")
                continue
            self.log_change(request, row, "Resent.")
            messages.success(request, f"{row}: {self._resent(row)}")

    @staticmethod
    def _resent(row: OutboundMail) -> str:
        if not outbox.runs_in_process():
            return "queued."
        # Without a broker the attempt was made just now, in this request.
        row = OutboundMail.objects.only("status", "last_error").get(pk=row.pk)
        if row.status == OutboundMail.Status.SENT:
            return "sent."
        return f"not sent, {row.last_error}."
