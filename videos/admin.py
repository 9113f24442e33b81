"""Staff's read-only list of the access log (the video admin is analysis.admin's)."""

from django.contrib import admin
from django.http import HttpRequest

from .models import AccessEvent


@admin.register(AccessEvent)
class AccessEventAdmin(admin.ModelAdmin):
    list_display = ("at", "username", "action", "video_ref", "video_title", "detail", "via")
    list_filter = ("action", "via")
    search_fields = ("username", "video_title")
    date_hierarchy = "at"
    list_select_related = False

    # A log is evidence: nobody adds, edits or deletes its lines here.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
