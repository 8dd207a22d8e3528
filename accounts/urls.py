from django.urls import path, re_path

from . import views

app_name = "accounts"

urlpatterns = [
    path("account/", views.AccountView.as_view(), name="account"),
    path("account/sign-in/", views.SignInView.as_view(), name="sign_in"),
    path("account/sign-in/sent/", views.SignInSentView.as_view(), name="sign_in_sent"),
    path("account/sign-out/", views.sign_out, name="sign_out"),
    path("account/session/stay/", views.stay_signed_in, name="stay_signed_in"),
    path(
        "account/two-factor/setup/",
        views.SecondFactorSetupView.as_view(),
        name="second_factor_setup",
    ),
    path(
        "account/two-factor/", views.SecondFactorVerifyView.as_view(), name="second_factor_verify"
    ),
    # The emailed link: short, so that it stays on one line of a plain-text
    # message; a trailing slash or space added on the way is tolerated.
    re_path(r"^s/(?P<token>[^/]+)/?$", views.SignInLinkView.as_view(), name="link"),
]
