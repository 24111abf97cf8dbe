# The membership payments move here from members/: the state only, the table keeps its name and its rows.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("members", "0005_api_tokens"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="MembershipPayment",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("period_start", models.DateField(verbose_name="from")),
                        ("period_end", models.DateField(verbose_name="until")),
                        ("unit", models.CharField(max_length=8, verbose_name="unit")),
                        ("amount", models.BigIntegerField(verbose_name="amount (minor units)")),
                        ("transaction_id", models.BigIntegerField(unique=True, verbose_name="transaction")),
                        (
                            "created_at",
                            models.DateTimeField(default=django.utils.timezone.now, verbose_name="created at"),
                        ),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "member",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="membership_payments",
                                to="members.member",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "membership payment",
                        "verbose_name_plural": "membership payments",
                        "db_table": "members_membershippayment",
                        "ordering": ["-period_end", "-id"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("member", "period_start"), name="membership_one_payment_per_period"
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("amount__gte", 0)), name="membership_amount_not_negative"
                            ),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
