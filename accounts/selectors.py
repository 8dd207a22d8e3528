"""What the account pages read."""

from .models import RecoveryCode, User


def remaining_recovery_codes(user: User) -> int:
    return RecoveryCode.objects.filter(user=user, used_at=None).count()
