"""The time bank becomes its own app: ServiceRecord moves here from currency, in the state only.

The table keeps its name (currency_servicerecord), its rows, its constraints and its indexes;
nothing in the database changes. currency's 0003 removes the model from currency's state. The
content type follows the model, so permissions granted on it stay granted.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType")
    if content_types.objects.filter(app_label="timebank", model="servicerecord").exists():
        return
    content_types.objects.filter(app_label="currency", model="servicerecord").update(app_label="timebank")


def move_content_type_back(apps, schema_editor):
    content_types = apps.get_model("contenttypes", "ContentType")
    if content_types.objects.filter(app_label="currency", model="servicerecord").exists():
        return
    content_types.objects.filter(app_label="timebank", model="servicerecord").update(app_label="currency")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("currency", "0002_backing_trigger"),
        ("ledger", "0002_database_invariants"),
        ("members", "0002_commune_membershippayment_member_activity_and_more"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ServiceRecord",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("unit", models.CharField(default="HRS", max_length=8, verbose_name="unit")),
                        ("amount", models.BigIntegerField(verbose_name="hours (hundredths)")),
                        ("description", models.CharField(max_length=255, verbose_name="description")),
                        (
                            "performed_on",
                            models.DateField(default=django.utils.timezone.localdate, verbose_name="performed on"),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Waiting for confirmation"),
                                    ("confirmed", "Confirmed and paid"),
                                    ("declined", "Declined"),
                                ],
                                default="pending",
                                max_length=10,
                                verbose_name="status",
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(default=django.utils.timezone.now, verbose_name="created at"),
                        ),
                        ("decided_at", models.DateTimeField(blank=True, null=True, verbose_name="decided at")),
                        (
                            "provider",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="services_given",
                                to="members.member",
                            ),
                        ),
                        (
                            "receiver",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="services_received",
                                to="members.member",
                            ),
                        ),
                        (
                            "transaction",
                            models.OneToOneField(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="service_record",
                                to="ledger.transaction",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "service record",
                        "verbose_name_plural": "service records",
                        "ordering": ["-id"],
                        "db_table": "currency_servicerecord",
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("amount__gt", 0)), name="service_record_amount_positive"
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("provider", models.F("receiver")), _negated=True),
                                name="service_record_two_members",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("status", "confirmed"), ("transaction__isnull", False)),
                                    models.Q(
                                        models.Q(("status", "confirmed"), _negated=True), ("transaction__isnull", True)
                                    ),
                                    _connector="OR",
                                ),
                                name="service_record_confirmed_iff_posted",
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, move_content_type_back),
    ]
