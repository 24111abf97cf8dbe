"""The membership's Celery tasks."""

from celery import shared_task

from . import services, signup


# The name it had when it lived in members/: the beat schedule and queued messages carry it.
@shared_task(name="members.tasks.membership_reminders_send", acks_late=True)
def membership_reminders_send() -> int:
    """Renewal reminders, once per member and expiry date however often it runs."""
    return services.membership_reminders_send()


@shared_task(name="membership.tasks.pending_signups_purge", acks_late=True)
def pending_signups_purge() -> int:
    """Sign-ups whose link expired unopened: deleted (nobody verified the address they name)."""
    return signup.pending_signups_purge()
