from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from accounts.views import admin_login, no_passwords, set_language

admin.site.site_header = _("Accreditation portal: staff")
admin.site.site_title = _("Accreditation portal")
admin.site.index_title = _("Calls, meetings and applications")
# Nobody has a password (sign-in is by link): the admin's password pages answer 404.
admin.site.password_change = no_passwords
admin.site.password_change_done = no_passwords

# Uploaded documents are never served from MEDIA_URL, not even in development:
# they are private and go through views that check who is asking.
urlpatterns = [
    path("", include("events.urls")),
    path("", include("accounts.urls")),
    path("", include("accreditation.application_urls")),
    path("", include("registration.urls")),
    path("", include("reviews.urls")),
    # Before Django's own: a signed-in person's choice is kept with the account too.
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    # Before the admin's own URLs: its password form is replaced by sign-in by link.
    path("admin/login/", admin_login, name="admin_login"),
    path("admin/", admin.site.urls),
]

handler400 = "accounts.views.bad_request"
