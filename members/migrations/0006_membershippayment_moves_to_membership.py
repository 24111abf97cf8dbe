# The membership payments now belong to membership/ (its 0001 takes over the model): the state only,
# the table members_membershippayment and its rows stay where they are.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0005_api_tokens"),
        ("membership", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="MembershipPayment")],
            database_operations=[],
        ),
    ]
