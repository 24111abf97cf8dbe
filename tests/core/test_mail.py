"""Mail: queued in the outbox by the action that causes it, delivered once by a Celery task."""

from __future__ import annotations

import datetime
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from config.celery import app as celery_app
from core.mail import outbound_email_queue
from core.mail_delivery import outbound_email_deliver
from core.models import OutboundEmail
from core.tasks import outbound_emails_catch_up
from tests.concurrency import race
from tests.conftest import requires_postgresql

pytestmark = pytest.mark.django_db

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


@pytest.fixture
def eager_celery(monkeypatch):
    """Tasks queued on commit run at once, in this process, and raise what they raise."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    monkeypatch.setitem(celery_app.conf, "task_eager_propagates", True)


class LoopbackServer:
    """A TCP server on 127.0.0.1 that either never answers (`replies=None`) or plays an SMTP script."""

    def __init__(self, replies: dict[str, str] | None = None) -> None:
        self.replies = replies
        self.accepted = 0
        self.stop = threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)  # the accept loop wakes up to see `stop`
        self.port = self.listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                connection, _address = self.listener.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            self.connections.append(connection)
            if self.replies is not None:
                self._converse(connection)

    def _converse(self, connection: socket.socket) -> None:
        connection.settimeout(5)
        connection.sendall(b"220 loopback ESMTP\r\n")
        with connection.makefile("rb") as lines:
            for raw in lines:
                verb = raw.decode("ascii", "replace").split(" ", 1)[0].split(":", 1)[0].strip().upper()
                connection.sendall(f"{self.replies.get(verb, '250 ok')}\r\n".encode())  # type: ignore[union-attr]
                if verb == "QUIT":
                    return

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        for connection in self.connections:
            connection.close()
        self.listener.close()
        assert not self.thread.is_alive()


@pytest.fixture
def hanging_smtp() -> Iterator[LoopbackServer]:
    server = LoopbackServer()
    yield server
    server.close()


@pytest.fixture
def refusing_smtp() -> Iterator[LoopbackServer]:
    server = LoopbackServer({"EHLO": "250 loopback", "RCPT": "550 5.1.1 no such mailbox", "QUIT": "221 bye"})
    yield server
    server.close()


def smtp_to(settings, port: int, timeout: int) -> None:
    settings.EMAIL_BACKEND = SMTP_BACKEND
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, timeout
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False


def queue_one(**extra) -> OutboundEmail:
    return outbound_email_queue(to="alice@bocage.test", subject="Bonjour", body="Un message.", **extra)


# --- one path -------------------------------------------------------------------------------


def test_a_queued_mail_is_delivered_once_after_commit_and_a_second_run_sends_nothing(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        queued = queue_one()
        assert mail.outbox == []  # nothing leaves before the commit
    queued.refresh_from_db()
    assert (queued.status, queued.attempts, queued.sent_at is not None) == ("sent", 1, True)
    assert [(m.to, m.subject, m.body, m.from_email) for m in mail.outbox] == [
        (["alice@bocage.test"], "Bonjour", "Un message.", "Bocage <noreply@bocage.localhost>")
    ]
    assert outbound_email_deliver(email_id=queued.pk) == "skipped"
    assert len(mail.outbox) == 1


def test_a_rolled_back_action_leaves_no_mail(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        queue_one()
        raise RuntimeError("the action is refused")
    assert (OutboundEmail.objects.count(), len(mail.outbox)) == (0, 0)


def test_a_mail_another_worker_holds_is_not_sent_again(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        queued = queue_one()
    OutboundEmail.objects.filter(pk=queued.pk).update(claimed_until=timezone.now() + datetime.timedelta(minutes=5))
    assert outbound_email_deliver(email_id=queued.pk) == "skipped"
    assert (OutboundEmail.objects.get().status, len(mail.outbox)) == ("pending", 0)


def test_the_sweep_delivers_what_the_broker_never_got_and_only_once(django_capture_on_commit_callbacks, eager_celery):
    with django_capture_on_commit_callbacks(execute=False):  # the broker was down: the task never ran
        queued = queue_one()
    assert outbound_emails_catch_up() == 0  # within the grace period the queued task goes first
    later = timezone.now() + datetime.timedelta(minutes=2)
    assert outbound_emails_catch_up(now=later) == 1
    assert outbound_emails_catch_up(now=later) == 0
    queued.refresh_from_db()
    assert (queued.status, len(mail.outbox)) == ("sent", 1)


def test_no_module_but_the_mail_delivery_sends_mail_itself():
    root = Path(__file__).resolve().parents[2]
    sender = re.compile(r"django\.core\.mail(?!\.backends)|from django\.core import mail")
    offenders = [
        str(path.relative_to(root))
        for path in root.glob("[!.]*/**/*.py")
        if path.parts[len(root.parts)] not in {"tests", ".venv", "var"}
        and path.relative_to(root) != Path("core/mail_delivery.py")
        and sender.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_password_reset_mail_goes_through_the_outbox(client, django_user_model, django_capture_on_commit_callbacks):
    django_user_model.objects.create_user("alice", "alice@bocage.test", "bocage-test-password-1")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password_reset/", {"email": "alice@bocage.test"})
    assert (response.status_code, response["Location"]) == (302, "/accounts/password_reset/done/")
    queued = OutboundEmail.objects.get()
    # Sent, the row keeps no body: its reset link must not stay readable in the database or the admin.
    assert (queued.to, queued.status, queued.body) == (["alice@bocage.test"], "sent", "")
    assert [m.to for m in mail.outbox] == [["alice@bocage.test"]]
    assert "/accounts/reset/" in mail.outbox[0].body


def test_the_admin_never_shows_a_mails_body(client, django_user_model):
    staff = django_user_model.objects.create_superuser("root", "root@bocage.test", "x")
    client.force_login(staff)
    queued = outbound_email_queue(to="alice@bocage.test", subject="Réinitialisation", body="/accounts/reset/secret/")

    page = client.get(f"/admin/core/outboundemail/{queued.pk}/change/")

    assert page.status_code == 200
    assert "Réinitialisation" in page.content.decode()
    assert "/accounts/reset/secret/" not in page.content.decode()


# --- failures -------------------------------------------------------------------------------


def test_a_hanging_smtp_server_never_holds_a_web_request_and_the_worker_gives_up_after_the_timeout(
    client, django_user_model, settings, hanging_smtp, django_capture_on_commit_callbacks, eager_celery
):
    django_user_model.objects.create_user("alice", "alice@bocage.test", "bocage-test-password-1")
    # A web process that talked to this server would wait the whole minute for its greeting.
    smtp_to(settings, hanging_smtp.port, timeout=60)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=False) as after_commit:
        response = client.post("/accounts/password_reset/", {"email": "alice@bocage.test"})
    assert response.status_code == 302
    assert time.monotonic() - started < 60
    assert hanging_smtp.accepted == 0  # the request only queued the mail
    assert OutboundEmail.objects.get().status == "pending"

    settings.EMAIL_TIMEOUT = 1
    for callback in after_commit:  # the worker's turn: the task queued on commit runs here
        callback()
    assert hanging_smtp.accepted == 1
    failed = OutboundEmail.objects.get()
    assert (failed.status, failed.attempts, failed.sent_at, failed.claimed_until) == ("pending", 1, None, None)
    assert "timed out" in failed.last_error
    assert failed.next_attempt_at > timezone.now() + datetime.timedelta(seconds=50)  # retried after a backoff
    assert outbound_email_deliver(email_id=failed.pk) == "skipped"  # not before the backoff is over
    assert (hanging_smtp.accepted, len(mail.outbox)) == (1, 0)


def test_retries_double_their_wait_and_stop_after_the_last_attempt(settings, hanging_smtp):
    smtp_to(settings, hanging_smtp.port, timeout=1)
    settings.BOCAGE_MAIL_MAX_ATTEMPTS = 2
    queued = queue_one()
    assert outbound_email_deliver(email_id=queued.pk) == "retry"
    first = OutboundEmail.objects.get()
    OutboundEmail.objects.update(next_attempt_at=timezone.now())
    assert outbound_email_deliver(email_id=queued.pk) == "failed"
    last = OutboundEmail.objects.get()
    assert (first.attempts, last.attempts, last.status, last.sent_at) == (1, 2, "failed", None)
    assert outbound_emails_catch_up(now=timezone.now() + datetime.timedelta(days=1)) == 0


def test_a_permanent_refusal_is_recorded_and_not_retried(settings, refusing_smtp):
    smtp_to(settings, refusing_smtp.port, timeout=5)
    queued = queue_one()
    assert outbound_email_deliver(email_id=queued.pk) == "failed"
    refused = OutboundEmail.objects.get()
    assert (refused.status, refused.attempts, refused.sent_at) == ("failed", 1, None)
    assert "550" in refused.last_error and "no such mailbox" in refused.last_error
    assert outbound_emails_catch_up(now=timezone.now() + datetime.timedelta(days=1)) == 0
    assert refusing_smtp.accepted == 1


def test_embedded_mail_lands_in_a_file_under_var_mail_and_prints_nothing(
    settings, tmp_path, capfd, django_capture_on_commit_callbacks, eager_celery
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    with django_capture_on_commit_callbacks(execute=True):
        queued = queue_one()
    written = [path.read_text(encoding="utf-8") for path in (tmp_path / "mail").iterdir()]
    assert len(written) == 1 and "Subject: Bonjour" in written[0] and "Un message." in written[0]
    assert OutboundEmail.objects.get(pk=queued.pk).status == "sent"
    printed = capfd.readouterr()
    assert "Bonjour" not in printed.out + printed.err


def test_staff_read_the_outbox_in_the_admin_and_cannot_change_it(client, django_user_model):
    django_user_model.objects.create_superuser("root", "root@bocage.test", "bocage-test-password-1")
    queued = queue_one()
    client.login(username="root", password="bocage-test-password-1")
    listing = client.get("/admin/core/outboundemail/")
    assert listing.status_code == 200 and "Bonjour" in listing.content.decode()
    assert client.get(f"/admin/core/outboundemail/{queued.pk}/change/").status_code == 200
    assert client.post(f"/admin/core/outboundemail/{queued.pk}/change/", {"subject": "Autre"}).status_code == 403
    assert client.get("/admin/core/outboundemail/add/").status_code == 403
    assert OutboundEmail.objects.get().subject == "Bonjour"


@requires_postgresql()
@pytest.mark.django_db(transaction=True)
def test_twin_deliveries_racing_on_their_own_connections_send_one_mail(settings, eager_celery):
    with socket.create_server(("127.0.0.1", 0)) as closed:
        port = closed.getsockname()[1]
    smtp_to(settings, port, timeout=5)  # nobody listens: refused, to be retried
    queued = queue_one()
    assert OutboundEmail.objects.get(pk=queued.pk).status == "pending"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OutboundEmail.objects.filter(pk=queued.pk).update(next_attempt_at=timezone.now())

    outcomes = race([lambda: outbound_email_deliver(email_id=queued.pk)] * 8)

    assert sorted(outcomes) == ["sent"] + ["skipped"] * 7
    assert (OutboundEmail.objects.get(pk=queued.pk).attempts, len(mail.outbox)) == (2, 1)
