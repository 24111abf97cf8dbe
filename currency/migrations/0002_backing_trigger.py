"""Invariant 7 of docs/ARCHITECTURE.md in the database: every backed unit is fully backed at every COMMIT.

A deferred constraint trigger on ledger_entry: when a transaction has written an entry on an
issuance account of a backed unit or on the EUR guarantee fund, COMMIT checks
guarantee_fund(EUR).balance = −(sum of the issuance balances of the backed units), and raises
(SQLSTATE 23514, check_violation) otherwise. The backed units are read from the settings when
the migration runs. PostgreSQL only: SQLite has no deferred triggers (currency.selectors.backing.
check_backing and `verify_ledger` check it there).
"""

from django.conf import settings
from django.db import migrations

FIAT_UNIT = "EUR"

FUNCTION = r"""
CREATE OR REPLACE FUNCTION currency_check_backing() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE fund bigint; circulation bigint;
BEGIN
    -- TG_ARGV[0] is the fiat unit of the guarantee fund; the rest are the backed units.
    IF NOT EXISTS (
        SELECT 1 FROM ledger_account WHERE id = NEW.account_id AND kind = 'system' AND (
            (system_code = 'guarantee_fund' AND unit = TG_ARGV[0])
            OR (system_code = 'issuance' AND unit = ANY(TG_ARGV[1:]))
        )
    ) THEN
        RETURN NULL;
    END IF;
    -- Deferred: the balances as they stand at COMMIT (the posting holds both rows locked).
    SELECT COALESCE(SUM(balance), 0) INTO fund FROM ledger_account
        WHERE kind = 'system' AND system_code = 'guarantee_fund' AND unit = TG_ARGV[0];
    SELECT COALESCE(-SUM(balance), 0) INTO circulation FROM ledger_account
        WHERE kind = 'system' AND system_code = 'issuance' AND unit = ANY(TG_ARGV[1:]);
    IF fund <> circulation THEN
        RAISE EXCEPTION 'backing broken: the guarantee fund holds % (minor units of %) but % is in circulation',
            fund, TG_ARGV[0], circulation USING ERRCODE = '23514';
    END IF;
    RETURN NULL;
END $$;
"""

REVERSE = r"""
DROP TRIGGER IF EXISTS currency_backing ON ledger_entry;
DROP FUNCTION IF EXISTS currency_check_backing();
"""


def _backed_units() -> list[str]:
    return [code for code, config in settings.BOCAGE_UNITS.items() if config["kind"] == "backed"]


def _quote(code: str) -> str:
    if not code.isalnum():
        raise ValueError(f"unit code {code!r} must be alphanumeric")
    return f"'{code}'"


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    units = [FIAT_UNIT, *_backed_units()]
    quoted = ", ".join(_quote(code) for code in units)
    schema_editor.execute(FUNCTION, params=None)
    schema_editor.execute(
        "CREATE CONSTRAINT TRIGGER currency_backing AFTER INSERT ON ledger_entry"
        f" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.unit IN ({quoted}))"
        f" EXECUTE FUNCTION currency_check_backing({quoted})",
        params=None,
    )


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("currency", "0001_initial"),
        ("ledger", "0002_database_invariants"),
    ]

    operations = [migrations.RunPython(create_trigger, drop_trigger)]
