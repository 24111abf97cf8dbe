"""The demo community of the Pays des Achards: `manage.py seed_demo` and each app's demo data.

The top floor: it imports the apps' services; nothing imports it (tests/test_layers.py)."""
