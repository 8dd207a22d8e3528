import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_user_is_keyed_on_a_lower_cased_email_address():
    user = User.objects.create_user("Focal.Point@Example.ORG")

    assert user.email == "focal.point@example.org"
    assert User.USERNAME_FIELD == "email"
    assert not user.has_usable_password()


def test_two_accounts_cannot_share_an_address_in_any_case():
    User.objects.create_user("focal@example.org")

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="FOCAL@example.org")


def test_validation_reports_an_address_already_in_use():
    User.objects.create_user("focal@example.org")
    duplicate = User(email="Focal@Example.org")

    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()

    assert "email" in error.value.message_dict or "__all__" in error.value.message_dict


def test_natural_key_lookup_ignores_case():
    user = User.objects.create_user("focal@example.org")

    assert User.objects.get_by_natural_key("FOCAL@EXAMPLE.ORG") == user


def test_names_and_language_preference():
    user = User.objects.create_user(
        "amina@example.org", given_name="Amina", family_name="Diallo", preferred_language="fr"
    )

    assert user.get_full_name() == "Amina Diallo"
    assert user.get_short_name() == "Amina"
    assert user.preferred_language == "fr"


def test_createsuperuser_makes_a_staff_superuser():
    admin = User.objects.create_superuser("admin@un.example.org", "a-long-passphrase")

    assert admin.is_staff
    assert admin.is_superuser
    assert admin.check_password("a-long-passphrase")
