"""The transaction kinds of membership's postings, as rows of the ledger's kind table (ledger.kinds)."""

from django.db import migrations

KINDS = ["membership"]


def insert_kinds(apps, schema_editor):
    db = schema_editor.connection.alias
    TransactionKind = apps.get_model("ledger", "TransactionKind")
    TransactionKind.objects.using(db).bulk_create([TransactionKind(code=code) for code in KINDS], ignore_conflicts=True)


def delete_unused_kinds(apps, schema_editor):
    db = schema_editor.connection.alias
    Transaction = apps.get_model("ledger", "Transaction")
    TransactionKind = apps.get_model("ledger", "TransactionKind")
    used = Transaction.objects.using(db).filter(kind__in=KINDS).values("kind")
    TransactionKind.objects.using(db).filter(code__in=KINDS).exclude(code__in=used).delete()


class Migration(migrations.Migration):
    dependencies = [("membership", "0002_content_type_follows_the_model"), ("ledger", "0012_transaction_kind_table")]

    operations = [migrations.RunPython(insert_kinds, delete_unused_kinds)]
