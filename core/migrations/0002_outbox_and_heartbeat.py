"""The mail outbox and the worker heartbeat join the ground floor: state only, their tables stay
where the config app created them (config_outboundemail, config_workerheartbeat)."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_audit_and_idempotency"),
        ("config", "0002_outbox"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="WorkerHeartbeat",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("seen_at", models.DateTimeField(verbose_name="last seen at")),
                        ("hostname", models.CharField(blank=True, max_length=255, verbose_name="worker")),
                    ],
                    options={
                        "verbose_name": "worker heartbeat",
                        "verbose_name_plural": "worker heartbeats",
                        "db_table": "config_workerheartbeat",
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(("id", 1)), name="config_workerheartbeat_single_row"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="OutboundEmail",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(default=django.utils.timezone.now, verbose_name="created at"),
                        ),
                        ("from_email", models.CharField(max_length=320, verbose_name="from")),
                        ("to", models.JSONField(verbose_name="to")),
                        ("subject", models.CharField(max_length=998, verbose_name="subject")),
                        ("body", models.TextField(verbose_name="body")),
                        (
                            "status",
                            models.CharField(
                                choices=[("pending", "pending"), ("sent", "sent"), ("failed", "failed")],
                                default="pending",
                                max_length=7,
                                verbose_name="status",
                            ),
                        ),
                        ("attempts", models.PositiveSmallIntegerField(default=0, verbose_name="attempts")),
                        ("next_attempt_at", models.DateTimeField(verbose_name="next attempt at")),
                        ("claimed_until", models.DateTimeField(blank=True, null=True)),
                        ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent at")),
                        ("last_error", models.TextField(blank=True, verbose_name="last error")),
                    ],
                    options={
                        "verbose_name": "outbound e-mail",
                        "verbose_name_plural": "outbound e-mails",
                        "db_table": "config_outboundemail",
                        "ordering": ["-pk"],
                        "indexes": [models.Index(fields=["status", "next_attempt_at"], name="outbound_email_due")],
                        "constraints": [
                            models.CheckConstraint(
                                condition=models.Q(
                                    models.Q(("sent_at__isnull", False), ("status", "sent")),
                                    models.Q(models.Q(("status", "sent"), _negated=True), ("sent_at__isnull", True)),
                                    _connector="OR",
                                ),
                                name="outbound_email_sent_iff_sent_at",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
