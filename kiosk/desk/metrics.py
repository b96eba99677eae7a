"""The desk's state for Prometheus: `GET /metrics`, read from the store at every scrape.

Several desk processes may share one PostgreSQL behind one address. A counter kept in a
process's memory would count only what that process saw, and a scrape that reached
another process would look like a reset; so nothing is counted here. `DeskCollector`
reads the database when Prometheus asks, and every process answers the same.

Labels are bounded: the desk's own sites (`[desk] sites`), the kiosks the store knows of
them (ids checked again, at most `MAX_KIOSKS`), and printer faults from the desk's own
list (any other code is "other"). Nothing of a person: counts, ages and kiosk ids.

The route is Prometheus's, not staff's: no session, no CSRF token. It needs a bearer
token, the contents of the file `[desk] metrics_token_file` (Prometheus:
`authorization: {credentials_file: ...}`), compared in constant time. Without that file
the route answers 404, as if there were none."""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from pathlib import Path

from prometheus_client.core import GaugeHistogramMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import CollectorRegistry
from sqlalchemy import bindparam, case, func, select
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from kiosk.desk.language import WORDS
from kiosk.desk.link import valid_id
from kiosk.desk.schema import requests

log = logging.getLogger(__name__)

# Not a staff route: the action None (no role), and a bearer token of its own.
ROUTES = {("GET", "/metrics"): None}
PREFIX = "kiosk_desk"
MAX_KIOSKS = 20_000  # per-kiosk series at most (a region of 10,000 kiosks and room to spare)
MAX_SITES = 1000
FAULTS = frozenset(WORDS["fault"])  # the printer faults the desk has words for
IN_USE = ("active", "warning")  # a person's session (kiosk.session's states)
# Token files: one line of at least this many characters (`openssl rand -hex 32`), at most 4 KiB.
TOKEN_CHARS = 32
TOKEN_BYTES = 4096
# Time to accept, over the requests accepted in the last `ACCEPTED_WINDOW_S`: a gauge
# histogram. Every desk process can read it from the database alike, so a scrape of any
# of them says the same. A counter histogram would have to be counted by each process
# for the accepts it made (Prometheus would see each scrape's process as a reset), or
# read from every request ever accepted (a table that only grows, and releasing a request
# takes its accept back, which a counter cannot). A summary's quantiles cannot be added
# up over sites or regions; buckets can (histogram_quantile over a sum).
ACCEPTED_WINDOW_S = 3600
ACCEPT_BUCKETS_S = (30, 60, 120, 300, 600, 900, 1800, 3600)

_OPEN_WAITING = (requests.c.site.in_(bindparam("sites", expanding=True)), requests.c.accepted.is_(None),
                 requests.c.resolved.is_(None), requests.c.cancelled.is_(None))
_WAITING_FROM = func.coalesce(requests.c.waiting_since, requests.c.created)
WAITING = (select(requests.c.site, requests.c.kiosk, func.count(), func.min(_WAITING_FROM))
           .where(*_OPEN_WAITING).group_by(requests.c.site, requests.c.kiosk))
_TO_ACCEPT = requests.c.accepted - requests.c.created
ACCEPTED = (select(requests.c.site, func.count(), func.sum(_TO_ACCEPT),
                   *(func.sum(case((_TO_ACCEPT <= bound, 1), else_=0)) for bound in ACCEPT_BUCKETS_S))
            .where(requests.c.site.in_(bindparam("sites", expanding=True)),
                   requests.c.accepted >= bindparam("since"))
            .group_by(requests.c.site))


def read_token(path: Path) -> bytes:
    """The token in `path` (surrounding whitespace dropped, as Prometheus drops it from its
    credentials_file); ValueError saying what is wrong with the file."""
    try:
        with open(path, "rb") as file:
            data = file.read(TOKEN_BYTES + 1)
    except OSError as error:
        raise ValueError(f"cannot read it: {error.strerror or error}") from None
    token = data.strip()
    if len(data) > TOKEN_BYTES or not token or len(token.split()) != 1:
        raise ValueError("it must hold one token on one line, at most 4 KiB")
    if len(token) < TOKEN_CHARS:
        raise ValueError(f"its token has {len(token)} characters; it needs {TOKEN_CHARS} or more "
                         f"(openssl rand -hex 32)")
    return token


class DeskCollector:
    """The state of the desk's sites (`sites()`: the desk's own) as Prometheus metrics,
    read from `store` when collected."""

    def __init__(self, store, sites, clock=time.time) -> None:
        self.store, self.sites_of, self.clock = store, sites, clock

    def describe(self) -> list:
        return []  # the families depend on the data; nothing to check at registration

    def collect(self):
        now = self.clock()
        sites = [site for site in self.sites_of() if valid_id(site)][:MAX_SITES]
        yield from self._kiosks(sites, now)
        yield from self._help(sites, now)

    def _kiosks(self, sites: list[str], now: float):
        def site_gauge(name: str, text: str) -> GaugeMetricFamily:
            return GaugeMetricFamily(f"{PREFIX}_{name}", text, labels=["site"])

        def kiosk_gauge(name: str, text: str, *more: str) -> GaugeMetricFamily:
            return GaugeMetricFamily(f"{PREFIX}_{name}", text, labels=["site", "kiosk", *more])

        known = site_gauge("kiosks", "Kiosks the desk knows at the site.")
        online = site_gauge("kiosks_online", "Kiosks connected to the broker.")
        in_use = site_gauge("kiosks_in_use", "Online kiosks with a person's session running.")
        out = site_gauge("kiosks_out_of_service", "Online kiosks out of service.")
        up = kiosk_gauge("kiosk_up", "1 if the kiosk is connected to the broker, else 0.")
        seen = kiosk_gauge("kiosk_last_seen_timestamp_seconds",
                           "Now for an online kiosk; for an offline one, when it went offline.")
        faults = kiosk_gauge("printer_fault", "1 for each fault an online kiosk's printer has "
                             "(a code the desk does not know is \"other\").", "fault")
        counts = {site: [0, 0, 0, 0] for site in sites}
        shown = 0
        for kiosk in self.store.kiosks(sites):
            site, status = kiosk["site"], kiosk["status"]
            if site not in counts or not valid_id(kiosk["kiosk"]):
                continue
            session = status.get("session")
            busy = kiosk["online"] and session in IN_USE
            stopped = kiosk["online"] and (status.get("out_of_service") is True or session == "out_of_service")
            for index, counted in enumerate((True, kiosk["online"], busy, stopped)):
                counts[site][index] += bool(counted)
            if shown >= MAX_KIOSKS:
                continue
            shown += 1
            labels = [site, kiosk["kiosk"]]
            up.add_metric(labels, 1.0 if kiosk["online"] else 0.0)
            seen.add_metric(labels, now if kiosk["online"] else float(kiosk["updated"] or 0.0))
            printer = status.get("printer")
            if kiosk["online"] and isinstance(printer, dict) and isinstance(printer.get("faults"), list):
                for fault in sorted({f if f in FAULTS else "other" for f in printer["faults"] if isinstance(f, str)}):
                    faults.add_metric([*labels, fault], 1.0)
        if shown >= MAX_KIOSKS:
            log.warning("metrics: more than %d kiosks; per-kiosk series of the rest left out", MAX_KIOSKS)
        for site, values in counts.items():
            for family, value in zip((known, online, in_use, out), values):
                family.add_metric([site], float(value))
        yield from (known, online, in_use, out, up, seen, faults)

    def _help(self, sites: list[str], now: float):
        waiting = GaugeMetricFamily(f"{PREFIX}_help_waiting", "Help requests waiting for a helper to accept.",
                                    labels=["site"])
        oldest = GaugeMetricFamily(f"{PREFIX}_help_oldest_waiting_seconds",
                                   "How long the longest-waiting request has waited (0: none waits).",
                                   labels=["site"])
        per_kiosk = GaugeMetricFamily(f"{PREFIX}_kiosk_help_waiting_seconds",
                                      "How long the kiosk's longest-waiting request has waited (only while one waits).",
                                      labels=["site", "kiosk"])
        accept = GaugeHistogramMetricFamily(
            f"{PREFIX}_help_accept_seconds",
            f"Seconds from a request to its accept, of the requests accepted in the last {ACCEPTED_WINDOW_S} s.",
            labels=["site"])
        by_site = {site: [0, 0.0] for site in sites}
        with self.store.engine.connect() as connection:
            rows = connection.execute(WAITING, {"sites": sites}).all()
            accepted = connection.execute(ACCEPTED, {"sites": sites, "since": now - ACCEPTED_WINDOW_S}).all()
        for site, kiosk, count, since in rows[:MAX_KIOSKS]:
            if site not in by_site or not valid_id(kiosk):
                continue
            age = max(0.0, now - float(since))
            by_site[site][0] += int(count)
            by_site[site][1] = max(by_site[site][1], age)
            per_kiosk.add_metric([site, kiosk], age)
        for site, (count, age) in by_site.items():
            waiting.add_metric([site], float(count))
            oldest.add_metric([site], age)
        found = {row[0]: row for row in accepted if row[0] in by_site}
        for site in sites:
            _site, count, total, *within = found.get(site, (site, 0, 0.0, *([0] * len(ACCEPT_BUCKETS_S))))
            buckets = [(str(bound), float(n or 0)) for bound, n in zip(ACCEPT_BUCKETS_S, within)]
            accept.add_metric([site], [*buckets, ("+Inf", float(count or 0))], gsum_value=float(total or 0.0))
        yield from (waiting, oldest, per_kiosk, accept)


def metrics_routes(desk, token: bytes | None) -> list[Route]:
    """`/metrics` for `desk` (its store, its sites), open to the holder of `token` only."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DeskCollector(desk.store, lambda: desk.sites))
    wanted = hashlib.sha256(token).digest() if token else b""

    def scrape(request: Request) -> Response:  # a plain function: run in the thread pool
        if token is None:
            return PlainTextResponse("not found", 404)
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not secrets.compare_digest(
                hashlib.sha256(given.strip().encode("utf-8", "replace")).digest(), wanted):
            return PlainTextResponse("a bearer token is needed", 401,
                                     headers={"WWW-Authenticate": 'Bearer realm="kiosk-desk metrics"'})
        encoder, content_type = choose_encoder(request.headers.get("accept"))
        return Response(encoder(registry), headers={"content-type": content_type})

    return [Route("/metrics", scrape, methods=["GET"])]
