import os
from typing import Any

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("bocage")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.beat_init.connect
@signals.worker_process_init.connect
def forget_inherited_broker_connections(sender: Any = None, **kwargs: Any) -> None:
    # A beat forked by its worker (-B) or a pool child: see config.brokers.inherited_broker_connections_forget.
    from .brokers import inherited_broker_connections_forget

    inherited_broker_connections_forget()


@signals.worker_init.connect
@signals.beat_init.connect
def declare_embedded_queue(sender: Any = None, **kwargs: Any) -> None:
    # Before the worker forks its beat: see config.brokers.embedded_queue_declare.
    from .brokers import embedded_queue_declare

    embedded_queue_declare(
        app.conf.broker_write_url or app.conf.broker_url,
        queue=app.conf.task_default_queue,
        transport_options=app.conf.broker_transport_options,
    )
