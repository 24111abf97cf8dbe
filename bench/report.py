"""The benchmark's targets, each judged against the figures of the same run, and the printed table."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class Verdict:
    name: str
    target: str
    measured: str
    passed: bool | None  # None: not measurable here (SQLite has no floor, a workload was skipped)

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "target": self.target, "measured": self.measured, "passed": self.passed}

    @property
    def label(self) -> str:
        return {True: "pass", False: "MISS", None: "n/a"}[self.passed]


def _rate(results: dict[str, Any], *path: str) -> float | None:
    node: Any = results
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return float(node["per_second"]) if isinstance(node, dict) and "per_second" in node else None


def _workers(results: dict[str, Any]) -> int:
    """The worker count of the concurrent runs (8 unless --workers said otherwise)."""
    return int(results.get("meta", {}).get("sizes", {}).get("workers", 8))


def _ratio(value: float | None, floor: float | None) -> float | None:
    return value / floor if value is not None and floor else None


def ratios(results: dict[str, Any]) -> dict[str, float | None]:
    """Every posting figure as a fraction of the floor measured in the same run."""
    n = _workers(results)
    floor1 = _rate(results, "floor", "workers_1")
    floor8 = _rate(results, "floor", f"workers_{n}")
    floor_hot = _rate(results, "floor", f"hot_{n}")
    single1 = _rate(results, "single", "workers_1")
    single8 = _rate(results, "single", f"workers_{n}")
    hot8 = _rate(results, "hot", f"workers_{n}")
    batch = _rate(results, "batch")
    http = _rate(results, "http", "max")
    return {
        **hordak_ratios(results, floor1, floor8),
        "single_1_vs_floor_1": _ratio(single1, floor1),
        "single_8_vs_floor_8": _ratio(single8, floor8),
        "hot_8_vs_floor_hot_8": _ratio(hot8, floor_hot),
        "hot_8_vs_single_8": _ratio(hot8, single8),
        "floor_hot_8_vs_floor_8": _ratio(floor_hot, floor8),
        "batch_vs_floor_8": _ratio(batch, floor8),
        "batch_vs_single_8": _ratio(batch, single8),
        "http_vs_floor_8": _ratio(http, floor8),
    }


def hordak_ratios(results: dict[str, Any], floor1: float | None, floor_n: float | None) -> dict[str, float | None]:
    """django-hordak's transfer_to (bench/hordak.py) against the floor of the same run, when it ran."""
    n = _workers(results)
    return {
        "hordak_1_vs_floor_1": _ratio(_rate(results, "hordak", "workers_1"), floor1),
        "hordak_8_vs_floor_8": _ratio(_rate(results, "hordak", f"workers_{n}"), floor_n),
        "hordak_resolved_1_vs_floor_1": _ratio(_rate(results, "hordak", "resolved_1"), floor1),
        "hordak_resolved_8_vs_floor_8": _ratio(_rate(results, "hordak", f"resolved_{n}"), floor_n),
    }


def hordak_missing(results: dict[str, Any]) -> str | None:
    """Why django-hordak has no figures in this run (None: it has)."""
    meta = results.get("meta", {})
    run = results.get("hordak")
    if run is None:
        if "hordak" in meta.get("skipped", []):
            return "django-hordak: not measured (--skip hordak)"
        if meta.get("database", "postgresql") != "postgresql":
            return "django-hordak: not measured (PostgreSQL only)"
        return "django-hordak: not measured (--hordak-python)"
    if "error" in run:
        return f"django-hordak: failed ({run['error']}), its stderr is in the JSON"
    return None


def hordak_rows(results: dict[str, Any]) -> list[tuple[str, float | None, float | None]]:
    """The report's django-hordak rows: (label, per second, ratio to the floor of the same run)."""
    if hordak_missing(results):
        return []
    n = _workers(results)
    r = ratios(results)
    return [
        ("django-hordak transfer_to, 1 worker", _rate(results, "hordak", "workers_1"), r["hordak_1_vs_floor_1"]),
        (f"django-hordak transfer_to, {n} workers", _rate(results, "hordak", f"workers_{n}"), r["hordak_8_vs_floor_8"]),
        (
            "django-hordak, resolved per call, 1 worker",
            _rate(results, "hordak", "resolved_1"),
            r["hordak_resolved_1_vs_floor_1"],
        ),
        (
            f"django-hordak, resolved per call, {n} workers",
            _rate(results, "hordak", f"resolved_{n}"),
            r["hordak_resolved_8_vs_floor_8"],
        ),
    ]


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f} %"


def verdicts(results: dict[str, Any]) -> list[Verdict]:
    r = ratios(results)
    out = []
    for workers, key in (("1", "single_1_vs_floor_1"), ("8", "single_8_vs_floor_8")):
        value = r[key]
        out.append(
            Verdict(
                f"single transfers, {workers} worker(s)",
                "≥ 60 % of floor",
                _pct(value),
                None if value is None else value >= 0.60,
            )
        )
    value = r["hot_8_vs_single_8"]
    out.append(
        Verdict("hot account, 8 workers", "≥ 40 % of spread", _pct(value), None if value is None else value >= 0.40)
    )
    batch = _rate(results, "batch")
    single8 = _rate(results, "single", f"workers_{_workers(results)}")
    if batch is not None and single8:
        out.append(
            Verdict(
                "batch posting",
                "≥ 10,000/s and ≥ 5 × single-8",
                f"{batch:,.0f}/s, {batch / single8:.1f} ×",
                batch >= 10_000 and batch >= 5 * single8,
            )
        )
    http = results.get("http") or {}
    if http.get("max") and http.get("half"):
        rate, p99 = http["max"]["per_second"], http["half"]["p99_ms"]
        out.append(
            Verdict(
                "HTTP POST /api/transfers/",
                "≥ 300/s, p99 ≤ 50 ms at half rate",
                f"{rate:,.0f}/s, p99 {p99:.1f} ms",
                rate >= 300 and p99 <= 50,
            )
        )
    read = results.get("reads") or {}
    if len(read) >= 2:
        sizes = sorted(read, key=int)
        small, large = read[sizes[0]], read[sizes[-1]]
        for what in ("balance_read", "statement_page"):
            factor = large[what]["median_ms"] / small[what]["median_ms"] if small[what]["median_ms"] else None
            out.append(
                Verdict(
                    f"{what.replace('_', ' ')} {sizes[0]} → {sizes[-1]} entries",
                    "within 1.5 ×",
                    "—" if factor is None else f"{factor:.2f} ×",
                    None if factor is None else factor <= 1.5,
                )
            )
    verify = results.get("verify") or {}
    if verify.get("runs"):
        runs = verify["runs"]
        largest = runs[-1]
        flat = None
        if len(runs) >= 2:
            flat = runs[-1]["peak_memory_mb"] <= runs[0]["peak_memory_mb"] * 1.25 + 16
        out.append(
            Verdict(
                f"verify_ledger ({largest['transactions']:,} tx)",
                "≥ 20,000 tx/s, flat memory",
                f"{largest['per_second']:,.0f} tx/s, peak {runs[0]['peak_memory_mb']} → {largest['peak_memory_mb']} MB",
                largest["per_second"] >= 20_000 and bool(flat) and largest["ok"],
            )
        )
    return out


def table(results: dict[str, Any]) -> list[str]:
    """The human summary: each figure, its ratio to the floor, then the targets."""
    r = ratios(results)
    lines = [f"{'workload':44} {'per second':>12} {'vs floor':>9}"]

    def row(label: str, value: float | None, ratio: float | None = None) -> None:
        shown = "—" if value is None else f"{value:,.0f}"
        lines.append(f"{label:44} {shown:>12} {_pct(ratio):>9}")

    n = _workers(results)
    floor1, floor_n = _rate(results, "floor", "workers_1"), _rate(results, "floor", f"workers_{n}")
    row("floor (psycopg), 1 worker", floor1, 1.0 if floor1 else None)
    row(f"floor (psycopg), {n} workers", floor_n, 1.0 if floor_n else None)
    row(f"floor (psycopg), {n} workers, hot account", _rate(results, "floor", f"hot_{n}"), r["floor_hot_8_vs_floor_8"])
    row("transfer_create, 1 worker", _rate(results, "single", "workers_1"), r["single_1_vs_floor_1"])
    row(f"transfer_create, {n} workers", _rate(results, "single", f"workers_{n}"), r["single_8_vs_floor_8"])
    row(f"transfer_create, {n} workers, hot account", _rate(results, "hot", f"workers_{n}"), r["hot_8_vs_floor_hot_8"])
    size = (results.get("batch") or {}).get("batch_size", 1000)
    row(f"transactions_post_batch ({size:,} per call)", _rate(results, "batch"), r["batch_vs_floor_8"])
    pgbench = results.get("pgbench") or {}
    for key in sorted(k for k in pgbench if k.startswith("workers_")):
        row(f"pgbench TPC-B-like, {key.removeprefix('workers_')} client(s)", pgbench[key]["per_second"])
    missing = hordak_missing(results)
    if missing:
        lines.append(missing)
    for label, value, ratio in hordak_rows(results):
        row(label, value, ratio)
    hordak = results.get("hordak") or {}
    if "balance_read_ms" in hordak:
        label = f"django-hordak get_balance(), {hordak['legs']:,} legs (ms)"
        lines.append(f"{label:44} {hordak['balance_read_ms']:>12.2f}")
    http = results.get("http") or {}
    if http.get("max"):
        row("HTTP POST /api/transfers/ (max)", http["max"]["per_second"], r["http_vs_floor_8"])
    if http.get("half"):
        half = http["half"]
        lines.append(f"{'HTTP at half rate: p50 / p99 (ms)':44} {half['p50_ms']:>5.1f} / {half['p99_ms']:.1f}")
    for _size, read in sorted((results.get("reads") or {}).items(), key=lambda item: int(item[0])):
        label = f"reads, {read['entries']:,} entries: balance / page / deep (ms)"
        lines.append(
            f"{label:44} "
            f"{read['balance_read']['median_ms']:.2f} / {read['statement_page']['median_ms']:.2f}"
            f" / {read['statement_page_deep']['median_ms']:.2f}"
        )
    for run in (results.get("verify") or {}).get("runs", []):
        label = f"verify_ledger, {run['transactions']:,} tx (tx/s, peak)"
        lines.append(
            f"{label:44} {run['per_second']:>12,.0f} {run['peak_memory_mb']:>7} MB {'OK' if run['ok'] else 'FAILED'}"
        )
    lines.append("")
    lines.append(f"{'target':44} {'measured':>32}  verdict")
    for verdict in verdicts(results):
        lines.append(f"{verdict.name:44} {verdict.measured:>32}  {verdict.label} ({verdict.target})")
    return lines


# --- the territory (`ledger_bench --territory`) ---------------------------------------------------

PAGE_P99_MS = 50.0


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f} ms"


def territory_verdicts(results: dict[str, Any]) -> list[Verdict]:
    """Each job of the territory against its target (None: skipped or not measurable)."""
    out: list[Verdict] = []
    search = results.get("search") or {}
    for key, label in (("q_velo", "marketplace search q=vélo"), ("q_velo_price", "marketplace search q=vélo + price")):
        run = search.get(key)
        out.append(
            Verdict(
                f"{label} (page + count)",
                "≤ 30 ms p50",
                "skipped" if run is None else f"{_ms(run['p50_ms'])} p50, {run['found']:,} found",
                None if run is None else run["p50_ms"] <= 30,
            )
        )
    close = results.get("campaign_close")
    out.append(
        Verdict(
            f"campaign_close ({close['pledges']:,} pledges)" if close else "campaign_close",
            "≤ 10 s",
            "skipped"
            if close is None
            else f"{close['seconds']:.2f} s, {close['settled']:,} settled, {close['status']}",
            None if close is None else close["seconds"] <= 10 and close["settled"] == close["pledges"],
        )
    )
    demurrage = results.get("demurrage")
    measured = demurrage is not None and demurrage.get("seconds") is not None
    out.append(
        Verdict(
            f"demurrage_apply ({demurrage['charged']:,} accounts)" if demurrage else "demurrage_apply",
            "≤ 5 s",
            f"{demurrage['seconds']:.2f} s" if measured and demurrage else "skipped",
            demurrage["seconds"] <= 5 if measured and demurrage else None,
        )
    )
    fec = results.get("fec")
    out.append(
        Verdict(
            f"fec_write ({fec['transactions']:,} tx)" if fec else "fec_write",
            "≤ 30 s, ≥ 50,000 tx/s",
            "skipped"
            if fec is None
            else f"{fec['seconds']:.1f} s, {fec['per_second'] or 0:,.0f} tx/s, peak {fec['peak_memory_mb']} MB",
            None if fec is None else fec["seconds"] <= 30 and (fec["per_second"] or 0) >= 50_000,
        )
    )
    for population in ("pages", "demo_pages"):
        run = results.get(population)
        if not run:
            continue
        prefix = "demo: " if population == "demo_pages" else ""
        half = (run.get("half") or {}).get("pages", {})
        for label, page in run["http"]["pages"].items():
            ok = set(page["statuses"]) == {"200"}
            p99 = page["p99_ms"]
            shown = f"p50 {_ms(page['p50_ms'])}, p99 {_ms(p99)}"
            paced = half.get(label)
            if paced is not None:
                ok = ok and set(paced["statuses"]) == {"200"}
                shown += f"; at half rate p99 {_ms(paced['p99_ms'])}"
            out.append(
                Verdict(
                    f"{prefix}{label}",
                    f"≤ {PAGE_P99_MS:.0f} ms p99, {run['http']['clients']} clients, closed loop",
                    shown + ("" if ok else f" (statuses {page['statuses']})"),
                    None if p99 is None else ok and p99 <= PAGE_P99_MS,
                )
            )
        out.extend(_paced_pages_verdict(prefix, run.get("half")))
    transfers = results.get("transfers")
    out.append(
        Verdict(
            "POST /api/transfers/ on gunicorn",
            "≥ 300/s",
            "skipped" if not transfers else f"{transfers['max']['per_second']:,.0f}/s",
            None if not transfers else transfers["max"]["per_second"] >= 300,
        )
    )
    return out


def _paced_pages_verdict(prefix: str, half: dict[str, Any] | None) -> list[Verdict]:
    """The pages read as the API's latency is (p99 at half the closed loop's rate): the slowest page."""
    if not half:
        return []
    measured = [(page["p99_ms"], label) for label, page in half["pages"].items() if page["p99_ms"] is not None]
    if not measured:
        return []
    p99, label = max(measured)
    ok = all(set(page["statuses"]) == {"200"} for page in half["pages"].values())
    return [
        Verdict(
            f"{prefix}every page, paced at half rate ({half['target_rate']:.0f}/s)",
            f"≤ {PAGE_P99_MS:.0f} ms p99, the slowest page",
            f"{label}: p99 {_ms(p99)}",
            ok and p99 <= PAGE_P99_MS,
        )
    ]


def territory_table(results: dict[str, Any]) -> list[str]:
    meta = results.get("meta", {})
    lines = ["territory: " + ", ".join(f"{key} {value:,}" for key, value in results["territory"]["counts"].items())]
    start, end = meta.get("load_average_start"), meta.get("load_average_end")
    if start and end:
        lines.append(f"load average (1, 5, 15 min): start {start}, end {end}")
    for population in ("pages", "demo_pages"):
        run = results.get(population)
        if not run:
            continue
        closed, half = run["http"], run.get("half")
        rates = f"closed loop {closed['per_second']:,.0f} pages/s"
        if half:
            rates += f", paced at {half['target_rate']:,.0f}/s"
        lines.append(f"{population}: {closed['clients']} clients, {rates}")
        lines.append(f"{'page':44} {'p50 ms':>9} {'p99 ms':>9} {'half p50':>9} {'half p99':>9} {'queries':>8}")
        for label, page in closed["pages"].items():
            queries = run["queries"].get(label, {}).get("queries", "—")
            paced = (half or {}).get("pages", {}).get(label, {})
            figures = [page["p50_ms"], page["p99_ms"], paced.get("p50_ms"), paced.get("p99_ms")]
            cells = " ".join(f"{'—' if value is None else f'{value:.1f}':>9}" for value in figures)
            lines.append(f"{label[:44]:44} {cells} {queries!s:>8}")
    lines.append("")
    lines.append(f"{'target':44} {'measured':>40}  verdict")
    for verdict in territory_verdicts(results):
        lines.append(f"{verdict.name[:44]:44} {verdict.measured:>40}  {verdict.label} ({verdict.target})")
    return lines
