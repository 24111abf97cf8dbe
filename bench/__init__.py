"""The parts of `python manage.py ledger_bench`: its own database, the psycopg floor,
the Django workloads, the HTTP run through gunicorn, and the report with its targets.

The benchmark never touches the configured database's rows: it creates a sibling database
(`<name>_bench` on PostgreSQL, `<file>_bench.sqlite3` on SQLite), migrates it, works there and
drops it at the end (unless --keep).
"""
