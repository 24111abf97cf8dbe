"""Bookings at the counter for a guest who is not a member (member NULL, guest_name and guest_phone),
and the transaction kind of the euros received for them (places.kinds). The overbooking triggers of
0002 never read `member`: a guest's booking counts its seats like any other."""

import importlib

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from ledger.kinds import kinds_migration

# SQLite rebuilds places_booking to make `member` nullable, which drops the triggers of 0002 that
# refuse an overbooking: they are made again, the same, after the rebuild (PostgreSQL keeps its own).
_overbooking = importlib.import_module("places.migrations.0002_bookings_refuse_overbooking")


def sqlite_triggers_again(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in [*_overbooking.SQLITE_REVERSE, *_overbooking.SQLITE]:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0015_alter_account_system_code"),
        ("members", "0010_retained_records"),
        ("places", "0004_place_photo"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="booking",
            name="guest_name",
            field=models.CharField(blank=True, db_default="", default="", max_length=150, verbose_name="guest's name"),
        ),
        migrations.AddField(
            model_name="booking",
            name="guest_phone",
            field=models.CharField(blank=True, db_default="", default="", max_length=30, verbose_name="guest's phone"),
        ),
        migrations.AlterField(
            model_name="booking",
            name="member",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="bookings",
                to="members.member",
            ),
        ),
        migrations.AddConstraint(
            model_name="booking",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("guest_name", ""), ("guest_phone", ""), ("member__isnull", False)),
                    models.Q(("guest_name__gt", ""), ("member__isnull", True)),
                    models.Q(
                        ("guest_phone", ""),
                        ("member__isnull", True),
                        ("status__in", ["completed", "cancelled", "no_show"]),
                    ),
                    _connector="OR",
                ),
                name="booking_member_or_guest",
            ),
        ),
        kinds_migration(["booking_counter"]),
        migrations.RunPython(sqlite_triggers_again, sqlite_triggers_again),
    ]
