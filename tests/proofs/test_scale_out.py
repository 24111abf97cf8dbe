"""Scale-out: two gunicorn instances, two Celery workers, one PostgreSQL, one Redis; kill some.

The HTTP bank test of "Prove it holds", spread over two web instances (production profile, two
workers each) while one web instance and one worker are SIGKILLed and replaced mid-run. Eight
client threads alternate between the instances: transfers with an Idempotency-Key (ACH and
HRS, one hot business account everyone pays, amounts that sometimes exceed what the payer has),
and holds created, captured and voided through the API. Holds created through the services
fall due during the run and the workers expire them, sent `holds_expire_due` and `seal_ledger`
by this test as the beat would.

A client whose request fails on the connection or gets a 5xx does not know whether it
committed: it retries with the SAME key on the other instance until it gets a definitive answer
(2xx, or a 4xx other than 409; 409 means its twin is still in flight: wait and retry). Then:
the ledger's API transactions are exactly the confirmed keys, one each; every balance is what
the clients' confirmed operations say; every due hold expired once; the ledger verifies.
"""

from __future__ import annotations

import datetime
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import requests
from django.utils import timezone
from djmoney.money import Money

from core.idempotency import ledger_key
from ledger import services
from ledger.models import Account, Hold, Transaction
from ledger.units import get_unit
from members.models import Member
from members.services import api_token_create
from tests.conftest import account_of
from tests.currency.funding import give_ach

from .faults import PROCESS_TEST_MARKS, PrivateRedis, Sender, WebInstance, Worker, wait_until
from .test_bank import assert_invariants_hold

pytestmark = PROCESS_TEST_MARKS

SEED = 20261127
CLIENTS = 8
OPERATIONS = 64  # per client
DUE_HOLDS = 24
# One operation (with its retries) must get a definitive answer within this many seconds.
OPERATION_DEADLINE = 60.0
WEB_ENVIRONMENT = {
    # Eight clients on a handful of users: the per-user rate limit is not under test here.
    "BOCAGE_THROTTLE_SENSITIVE": "1000000/min",
    # A request killed with its gunicorn worker leaves its key in flight: its retry may take the
    # key over after 3 s instead of 60 (the ledger key decides whether it had posted).
    "BOCAGE_IDEMPOTENCY_IN_FLIGHT_SECONDS": "3",
}
WORKER_ENVIRONMENT = {"CELERY_VISIBILITY_TIMEOUT": "2", "LEDGER_SEAL_LAG_SECONDS": "0"}
REFUSALS = {"insufficient_funds", "limit_exceeded"}


@dataclass(frozen=True)
class Person:
    user_id: int
    token: str
    accounts: dict[str, int]


@dataclass
class Outcome:
    """What one client learnt for sure: confirmed keys, and the balance moves they imply."""

    transfer_keys: set[str] = field(default_factory=set)
    hold_keys: set[str] = field(default_factory=set)
    deltas: Counter[int] = field(default_factory=Counter)
    # Confirmed keys whose earlier attempt was lost on the connection: posted then, or by the retry?
    # (key → when its final, answered attempt was sent)
    ambiguous_keys: dict[str, datetime.datetime] = field(default_factory=dict)
    stats: Counter[str] = field(default_factory=Counter)


class Definitive(Exception):
    pass


class Client:
    """One API client: retries an operation on the other instance until its answer is definitive."""

    def __init__(self, index: int, webs: list[WebInstance], outcome: Outcome) -> None:
        self.webs = webs
        self.prefer = index % 2
        self.outcome = outcome
        self.session = requests.Session()
        self.lost_an_attempt = False
        self.final_attempt_at = timezone.now()

    def call(
        self, method: str, path: str, person: Person, body: Any = None, key: str | None = None, lose_first: bool = False
    ) -> tuple[int, Any]:
        """The definitive answer. `lose_first`: stop listening 5 ms into the first attempt, as a
        dropped network would: the server still runs it (and commits), the client never learns."""
        stats = self.outcome.stats
        headers = {"Authorization": f"Token {person.token}", "Accept-Language": "en", "Connection": "close"}
        if key is not None:
            headers[HEADER] = key
        self.lost_an_attempt = False
        instance = self.prefer
        self.prefer = 1 - self.prefer  # alternate between the instances, operation after operation
        give_up_at = time.monotonic() + OPERATION_DEADLINE
        first = first_attempt = True
        while True:
            assert time.monotonic() < give_up_at, f"no definitive answer for {method} {path} key={key}: {stats}"
            if not first:
                stats["retries"] += 1
            first = False
            stats["requests"] += 1
            dropping = lose_first and first_attempt
            read_timeout = 0.005 if dropping else 30.0
            first_attempt = False
            self.final_attempt_at = timezone.now()
            try:
                response = self.session.request(
                    method, self.webs[instance].url + path, json=body, headers=headers, timeout=(2, read_timeout)
                )
            except requests.RequestException:
                # Lost before, during or after the commit: only the same key on the other
                # instance can tell (a replay, or the first posting).
                stats["connection_failures"] += 1
                self.lost_an_attempt = True
                instance = 1 - instance
                # An answer dropped on purpose: the retry comes as a client's would, well after the
                # server has run the request (a retry sent within a few ms would only wait for its
                # twin), so some of these lost attempts are sure to have posted before it.
                time.sleep(0.5 if dropping else 0.05)
                continue
            if response.status_code >= 500:
                stats[f"http_{response.status_code}"] += 1
                instance = 1 - instance
                time.sleep(0.1)
                continue
            if response.status_code == 409:
                stats["in_flight_409"] += 1
                time.sleep(0.3)
                continue
            if response.headers.get("Idempotent-Replayed") == "true":
                stats["replayed"] += 1
            return response.status_code, response.json()


HEADER = "Idempotency-Key"


def major(unit: str, minor: int) -> str:
    return str(get_unit(unit).to_money(minor).amount)


def minor_of(unit: str, amount: str) -> int:
    return get_unit(unit).to_minor(Decimal(amount))


def build_town(make_member: Callable[..., Member]) -> tuple[dict[str, list[Person]], Person, list[int]]:
    """ACH members funded through the comptoir, HRS members at zero (floor −20 h), one hot shop."""

    def person(member: Member) -> Person:
        _token, key = api_token_create(user=member.user, actor=None)
        accounts = dict(Account.objects.filter(holder=member, kind=Account.Kind.MEMBER).values_list("unit", "id"))
        return Person(user_id=member.user.pk, token=key, accounts=accounts)

    shop = make_member(username="epicerie", kind=Member.Kind.BUSINESS)
    ach = [make_member(username=f"achards{i:02d}") for i in range(8)]
    for index, member in enumerate(ach):
        give_ach(member, str(40 + 15 * index))
    hrs = [make_member(username=f"heure{i:02d}") for i in range(6)]
    # Services-created holds that fall due while the clients work, for the workers to expire.
    in_a_minute = timezone.now() + datetime.timedelta(minutes=1)
    due = [
        services.hold_create(
            from_account=account_of(ach[i % len(ach)], "ACH"),
            to_account=account_of(shop, "ACH"),
            amount=Money("1", "ACH"),
            actor=None,
            expires_at=in_a_minute,
        ).pk
        for i in range(DUE_HOLDS)
    ]
    return {"ACH": [person(m) for m in ach], "HRS": [person(m) for m in hrs]}, person(shop), due


def one_operation(client: Client, rng: random.Random, people: dict[str, list[Person]], shop: Person) -> None:
    outcome, stats = client.outcome, client.outcome.stats
    unit = rng.choice(["ACH", "ACH", "HRS"])
    roll = rng.random()
    if roll < 0.15:  # the shop pays a member back (wages, change): the hot account on both sides
        payer, payee = shop, rng.choice(people[unit])
    else:
        payer = rng.choice(people[unit])
        payee = shop if roll < 0.55 else rng.choice([p for p in people[unit] if p is not payer])
    # Up to 30 ACH (members start with 40 to 145) or 10 h (floor −20 h, ceiling 100 h): most
    # succeed, some exceed what the payer has or may owe.
    top = {"ACH": 3000, "HRS": 1000}[unit]
    amount = rng.randrange(25, top, 25)
    body = {"from_account": payer.accounts[unit], "to_account": payee.accounts[unit], "amount": major(unit, amount)}
    key = str(uuid.UUID(int=rng.getrandbits(128)))

    if rng.random() < 0.7:
        lose_first = rng.random() < 0.1
        stats["answers_dropped_on_purpose"] += lose_first
        status, answer = client.call("POST", "/api/transfers/", payer, body, key, lose_first=lose_first)
        if status == 201:
            outcome.transfer_keys.add(ledger_key(payer.user_id, key))
            if client.lost_an_attempt:
                outcome.ambiguous_keys[ledger_key(payer.user_id, key)] = client.final_attempt_at
            outcome.deltas[payer.accounts[unit]] -= amount
            outcome.deltas[payee.accounts[unit]] += amount
            stats["transfers_posted"] += 1
        else:
            assert status == 422 and answer["code"] in REFUSALS, (status, answer)
            stats[f"refused:{answer['code']}"] += 1
        return

    status, answer = client.call("POST", "/api/holds/", payer, {**body, "memo": "scale-out"}, key)
    if status != 201:
        assert status == 422 and answer["code"] in REFUSALS, (status, answer)
        stats[f"refused:{answer['code']}"] += 1
        return
    outcome.hold_keys.add(ledger_key(payer.user_id, key))
    stats["holds_created"] += 1
    hold_path = f"/api/holds/{answer['id']}/"
    roll = rng.random()
    if roll < 0.1:
        stats["holds_left_pending"] += 1
        return
    if roll < 0.7:
        partial = roll < 0.3 and amount > 25
        capture = {"amount": major(unit, amount // 50 * 25 or 25)} if partial else {}
        status, answer = client.call("POST", hold_path + "capture/", payer, capture)
        actor = payer
        if status == 422 and answer["code"] in REFUSALS:
            # The payee would go above its ceiling (HRS): the hold stays pending; release it.
            stats[f"capture_refused:{answer['code']}"] += 1
            status, answer = client.call("POST", hold_path + "void/", payee)
            actor = payee
    else:
        status, answer = client.call("POST", hold_path + "void/", payee)
        actor = payee
    if status == 422 and answer["code"] == "hold_resolved":
        # An earlier attempt whose answer was lost did resolve it: ask what it became.
        stats["resolution_found_done"] += 1
        status, answer = client.call("GET", hold_path, actor)
    assert status == 200, (status, answer)
    if answer["status"] == Hold.Status.CAPTURED:
        captured = minor_of(unit, answer["captured_amount"])
        outcome.deltas[payer.accounts[unit]] -= captured
        outcome.deltas[payee.accounts[unit]] += captured
        stats["holds_captured"] += 1
    else:
        assert answer["status"] == Hold.Status.VOIDED, answer
        stats["holds_voided"] += 1


def test_two_web_instances_and_two_workers_lose_and_double_nothing_when_killed(make_member):
    rng = random.Random(SEED)
    people, shop, due_holds = build_town(make_member)
    start_balances = dict(Account.objects.values_list("id", "balance"))
    broker = PrivateRedis().start()
    sender = Sender(broker.url)
    webs: list[WebInstance] = []
    workers: list[Worker] = []
    events: Counter[str] = Counter()
    stop_beat = threading.Event()
    try:
        workers += [Worker(broker.url, **WORKER_ENVIRONMENT).start() for _ in range(2)]
        webs += [WebInstance(broker.url, **WEB_ENVIRONMENT).start() for _ in range(2)]
        # The holds fall due a few seconds into the run, while the clients work.
        Hold.objects.filter(pk__in=due_holds).update(expires_at=timezone.now() + datetime.timedelta(seconds=4))

        def beat() -> None:
            ticks = 0
            while not stop_beat.wait(0.5):
                sender.send("ledger.tasks.holds_expire_due")
                if ticks % 4 == 0:
                    sender.send("ledger.tasks.seal_ledger")
                ticks += 1

        done = Counter[int]()
        outcomes = [Outcome() for _ in range(CLIENTS)]
        failures: list[BaseException] = []

        def client_thread(index: int) -> None:
            client = Client(index, webs, outcomes[index])
            local = random.Random(rng.getrandbits(64) + index)
            try:
                for _ in range(OPERATIONS):
                    one_operation(client, local, people, shop)
                    done[index] += 1
            except BaseException as exc:
                failures.append(exc)
                raise

        def progress() -> int:
            return sum(done.values())

        total = CLIENTS * OPERATIONS
        beat_thread = threading.Thread(target=beat, daemon=True)
        threads = [threading.Thread(target=client_thread, args=(i,), daemon=True) for i in range(CLIENTS)]
        started = time.monotonic()
        beat_thread.start()
        for thread in threads:
            thread.start()

        # One web instance dies with its requests in flight, and comes back on the same port.
        assert wait_until(lambda: progress() >= total // 3 or bool(failures), 120, step=0.05)
        webs[0].kill()
        events["web_kills"] += 1
        time.sleep(1.0)
        webs[0].start()
        events["web_restarts"] += 1
        # One worker dies, a new one takes its place (its unacknowledged task comes back).
        assert wait_until(lambda: progress() >= 2 * total // 3 or bool(failures), 120, step=0.05)
        workers[0].kill()
        events["worker_kills"] += 1
        workers.append(Worker(broker.url, **WORKER_ENVIRONMENT).start())
        events["worker_starts"] += 1

        for thread in threads:
            thread.join(150)
        elapsed = time.monotonic() - started
        assert not failures, failures[0]
        assert progress() == total

        # The beat keeps sending until every due hold has expired.
        expired = wait_until(
            lambda: Hold.objects.filter(pk__in=due_holds, status=Hold.Status.EXPIRED).count() == DUE_HOLDS, 60, 0.2
        )
        assert expired, workers[-1].output()[-3000:]
        stop_beat.set()
        beat_thread.join(10)
        for worker in workers:
            worker.stop()  # warm: a task under way finishes before the checks
        for web in webs:
            web.stop()
    finally:
        stop_beat.set()
        for worker in workers:
            worker.kill()
        for web in webs:
            web.kill()
        sender.close()
        broker.kill()

    stats = sum((outcome.stats for outcome in outcomes), Counter())
    confirmed_transfers = set().union(*(outcome.transfer_keys for outcome in outcomes))
    ambiguous: dict[str, datetime.datetime] = {}
    for outcome in outcomes:
        ambiguous.update(outcome.ambiguous_keys)
    # Confirmed keys whose lost attempt had in fact posted (before the answered attempt was even
    # sent): the retry got that posting back, replayed or taken over; it did not post again.
    posted_at = dict(
        Transaction.objects.filter(idempotency_key__in=ambiguous).values_list("idempotency_key", "created_at")
    )
    committed_by_lost_attempt = sum(1 for key, final in ambiguous.items() if posted_at[key] < final)
    confirmed_holds = set().union(*(outcome.hold_keys for outcome in outcomes))
    deltas: Counter[int] = Counter()
    for outcome in outcomes:
        deltas.update(outcome.deltas)  # update() keeps negative counts; `+` would drop them

    # No posting lost, none doubled: the API's transactions are exactly the confirmed keys.
    api_transactions = list(Transaction.objects.filter(idempotency_key__startswith="api:").values_list(
        "idempotency_key", flat=True))  # fmt: skip
    assert len(api_transactions) == len(confirmed_transfers) == stats["transfers_posted"]
    assert set(api_transactions) == confirmed_transfers
    api_holds = set(Hold.objects.filter(idempotency_key__startswith="api:").values_list("idempotency_key", flat=True))
    assert api_holds == confirmed_holds
    assert len(confirmed_holds) == stats["holds_created"]
    assert (
        Hold.objects.filter(idempotency_key__startswith="api:", status=Hold.Status.CAPTURED).count()
        == stats["holds_captured"]
    )
    assert (
        Hold.objects.filter(idempotency_key__startswith="api:", status=Hold.Status.VOIDED).count()
        == stats["holds_voided"]
    )
    # Every balance is what the confirmed operations say, to the minor unit.
    balances = dict(Account.objects.values_list("id", "balance"))
    expected = {account: start_balances[account] + deltas[account] for account in start_balances}
    wrong = {
        f"{account.pk} {account.kind} {account.unit} {account.system_code}": (
            balances[account.pk],
            expected[account.pk],
        )
        for account in Account.objects.filter(pk__in=[a for a in balances if balances[a] != expected.get(a)])
    }
    assert balances == expected, (wrong, dict(stats))
    # Every due hold expired, once (held amounts equal pending holds, checked below).
    assert Hold.objects.filter(pk__in=due_holds, status=Hold.Status.EXPIRED, resolved_at__isnull=False).count() == (
        DUE_HOLDS
    )
    assert_invariants_hold()  # per-unit zero, limits, entries, holds once, verify_ledger

    refusals = {code for code in stats if code.startswith("refused:")}
    assert refusals <= {f"refused:{code}" for code in REFUSALS}
    assert stats["transfers_posted"] > 0 and refusals
    # The lost answers did happen: postings made by an attempt whose client never heard back.
    assert committed_by_lost_attempt > 0
    assert events == {"web_kills": 1, "web_restarts": 1, "worker_kills": 1, "worker_starts": 1}
    print(
        f"\nscale-out: {total} operations by {CLIENTS} clients over 2 gunicorn instances × 2 workers and "
        f"{2 + events['worker_starts']} Celery workers in {elapsed:.1f} s; {stats['requests']} requests, "
        f"{stats['retries']} retries ({stats['connection_failures']} connection failures, "
        f"{sum(n for k, n in stats.items() if k.startswith('http_5'))} 5xx, {stats['in_flight_409']} in-flight 409, "
        f"{stats['replayed']} replayed answers; {len(ambiguous)} transfers confirmed after a lost attempt, "
        f"{committed_by_lost_attempt} of them had posted on the lost attempt); "
        f"{stats['transfers_posted']} transfers posted, "
        f"{sum(n for k, n in stats.items() if k.startswith('refused:'))} refused, {stats['holds_created']} holds "
        f"({stats['holds_captured']} captured, {stats['holds_voided']} voided, {stats['holds_left_pending']} left "
        f"pending), {DUE_HOLDS} due holds expired by the workers; kills: {events['web_kills']} web instance "
        f"(restarted {events['web_restarts']}×), {events['worker_kills']} worker "
        f"(replaced {events['worker_starts']}×); "
        f"stats {dict(stats)}"
    )
