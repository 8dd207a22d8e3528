"""Who must pass a second factor, who is a delegate, who may manage whom: named once.

Views, middleware and the user admin ask these; each app above has its own ``permissions``.
"""

from django.contrib.auth.models import Group

from .models import SecondFactor
from .roles import MEMBER_STATE_DELEGATES


def requires_second_factor(user) -> bool:
    """Staff and delegates always; anyone else who turned it on."""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    if is_member_state_delegate(user):
        return True
    return has_confirmed_second_factor(user)


def is_member_state_delegate(user) -> bool:
    return user.is_authenticated and user.groups.filter(name=MEMBER_STATE_DELEGATES).exists()


def can_delete_own_account(user) -> bool:
    """Focal points and people who never joined an organization delete their own account.

    Staff and Member State delegates are given their accounts by an administrator, and the
    record names them for what they did: an administrator closes those accounts.
    """
    return user.is_authenticated and not user.is_staff and not is_member_state_delegate(user)


def has_confirmed_second_factor(user) -> bool:
    return SecondFactor.objects.filter(user=user, confirmed_at__isnull=False).exists()


def grantable_groups(user):
    """The groups that give nothing beyond what this person may do themselves."""
    own = user.get_all_permissions()
    beyond = [
        group.pk
        for group in Group.objects.prefetch_related("permissions__content_type")
        if {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()} - own
    ]
    return Group.objects.exclude(pk__in=beyond)


def may_manage(manager, person) -> bool:
    """Administrators manage people, but may not raise anyone's powers above their own, nor
    take over an account: only a superuser touches superusers and the accounts of people
    who may do more than the one managing them; nobody changes their own account."""
    if person.pk == manager.pk:
        return False
    if manager.is_superuser:
        return True
    if person.is_superuser:
        return False
    return person.get_all_permissions() <= manager.get_all_permissions()
