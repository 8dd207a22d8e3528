from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Accreditation portal: staff")
admin.site.site_title = _("Accreditation portal")
admin.site.index_title = _("Calls, meetings and applications")

# Uploaded documents are never served from MEDIA_URL, not even in development:
# they are private and go through views that check who is asking.
urlpatterns = [
    path("", include("events.urls")),
    path("account/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
