from django.views.generic import TemplateView


class SignInView(TemplateView):
    """Sign-in by emailed link arrives with the next release; this page says so."""

    template_name = "accounts/sign_in.html"
