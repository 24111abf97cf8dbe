import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# What lives as long as the process, out of the garbage collector's walks (config/collector.py).
from config import collector  # noqa: E402 - Django is set up above

collector.freeze_loaded()
collector.freeze_when_warm()
