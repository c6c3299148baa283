"""More than one server: a class through HAProxy in front of N replicas, and a replica killed mid-lesson.

The students are bench/load.py's websocket clients with one thing a browser does behind a balancer: each
first loads the page over HTTP (HAProxy answers with its sticky cookie naming a replica), then opens its
websocket with that cookie. The fault test kills (SIGKILL) the replica with the most students once every
student has made a few interactions. Like the browser, a student whose socket drops reconnects at once
through the balancer (retrying with a short back-off), then reopens the page *from its URL alone* (path
and query string, no widget state) on whichever replica HAProxy picks, and compares what it sees with
the view it had before: every element of the page (charts, text, widgets, notices) as the server sent it.

- **lost view**: a student of the killed replica who does not get the same view back within the limit
  (no reconnection, an error, or a different page);
- **reconnect time**: from the kill to the restored view on a live replica (the student's socket drop is
  seen at once, as a browser's `onclose` would);
- the students of the other replicas must not notice (0 errors), and every student keeps working after.

`--browsers 1` adds a real chromium tab pinned (by the cookie) to the replica that will be killed: it must
reconnect by itself and draw the same charts again.

    python -m bench.replicas                 # 3 replicas, 30 students, one kill, then the replica restarts
    python -m bench.replicas --quick         # 2 replicas, 4 students, light pages (what the test runs)
    python -m bench.load --replicas 3        # the plain load test through the balancer
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import hashlib
import io
import random
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import websockets
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.common import CHROMIUM, CHROMIUM_ARGS, print_table
from bench.load import LoadTarget, RunResult, Session, _run_async, _warm, gc_env, page_paths
from deploy.haproxy import COOKIE
from deploy.replicas import Cluster, http_get

MAX_STUDENTS = 120
LIGHT_PAGES = ["simplified", "trainable", "causal", "multihead"]  # no pretrained model: quick to warm
BROWSER_PAGE = "causal"  # heatmaps only: quick to draw in a software-rendered chromium
BROWSER_TIMEOUT = 300.0  # s; a first page load in chromium on 2 busy cores can take minutes


# ---------------------------------------------------------------- a student behind the balancer


def parse_cookie(set_cookie_headers: list[str]) -> str | None:
    """The replica named by HAProxy's Set-Cookie headers, if any."""
    for header in set_cookie_headers:
        name, _, rest = header.partition("=")
        if name.strip() == COOKIE:
            return rest.split(";", 1)[0].strip()
    return None


def _load_page(url: str, cookie: str | None, timeout: float) -> tuple[int, str | None]:
    """GET the page like a browser does before it opens the websocket; (status, replica from Set-Cookie)."""
    req = urllib.request.Request(url, headers={"Cookie": f"{COOKIE}={cookie}"} if cookie else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            resp.read()
            return resp.status, parse_cookie(resp.headers.get_all("Set-Cookie") or [])
    except urllib.error.HTTPError as exc:
        return exc.code, None


# A widget's value can sit in three places: set by the server this run (e.g. read from the URL), kept by the
# browser from the student's last choice, or the default. Those fields are left out of the comparison; the
# values are compared through the URL instead, which the server writes from every widget's value at the
# end of each run (ui/url.py sync_url), so the same query string means the same widget values.
VALUE_FIELDS = ("default", "value", "set_value", "raw_value", "raw_values")
WIDGETS = (
    "checkbox",
    "text_area",
    "text_input",
    "slider",
    "selectbox",
    "radio",
    "button_group",
    "number_input",
)


def element_digest(el: Element) -> bytes:
    """One element as the student sees it, as bytes: as sent, without a widget's value fields (see above)
    and without a download button's per-session file id."""
    kind = el.WhichOneof("type")
    if kind not in WIDGETS and kind != "download_button":
        return el.SerializeToString(deterministic=True)
    copy = Element()
    copy.CopyFrom(el)
    copy.ClearField("has_one_shot_effect")  # set along with set_value
    proto = getattr(copy, kind)
    for name in (*VALUE_FIELDS, "deferred_file_id"):
        if name in proto.DESCRIPTOR.fields_by_name:
            proto.ClearField(name)
    return copy.SerializeToString(deterministic=True)


class StickySession(Session):
    """A browser tab behind HAProxy: its sticky cookie, and a fingerprint of the last view it was sent."""

    def __init__(self, port: int, timeout: float, replica: str | None = None) -> None:
        super().__init__(port, timeout)
        self.replica = replica  # the cookie's value: which replica serves this tab
        # What is on screen at each delta path (a later element at the same path replaces the earlier one,
        # as a spinner is replaced by an empty element when its work is done).
        self._screen: dict[tuple[int, ...], tuple[str, bytes]] = {}
        self.view_parts: list[tuple[str, bytes]] = []  # (element kind, digest) of the last completed run
        self.view = ""  # sha256 of the address bar and every element of the last completed run, in order
        self.view_url = ""  # the address bar (path?query) of that run
        self.connected_at = 0.0  # monotonic time the last websocket opened

    async def connect(self) -> None:
        """Load the page over HTTP (the balancer sets or renews the cookie), then open the websocket."""
        status, replica = await asyncio.to_thread(
            _load_page, f"http://127.0.0.1:{self.port}/", self.replica, self.timeout
        )
        if status != 200:
            raise OSError(f"the balancer answered {status} for the page")
        self.replica = replica or self.replica
        self.ws = await websockets.connect(
            f"ws://127.0.0.1:{self.port}/_stcore/stream",
            subprotocols=["streamlit"],
            origin=f"http://127.0.0.1:{self.port}",
            additional_headers={"Cookie": f"{COOKIE}={self.replica}"} if self.replica else None,
            max_size=64 * 2**20,
            open_timeout=self.timeout,
            ping_interval=None,  # as a browser: the server pings, the client does not
        )
        renewed = parse_cookie(self.ws.response.headers.get_all("Set-Cookie") if self.ws.response else [])
        self.replica = renewed or self.replica

    async def rerun(self, page_name: str = "") -> RunResult:
        """One rerun; keeps the fingerprint of what it drew when it completes without error."""
        self._screen = {}
        result = await super().rerun(page_name)
        if not result.errors:
            self.view_parts = [self._screen[path] for path in sorted(self._screen)]
            self.view_url = self.address  # the address bar after the run
            parts = [self.view_url.encode(), *(digest for _, digest in self.view_parts)]
            self.view = hashlib.sha256(b"\0".join(parts)).hexdigest()
        return result

    def _read_delta(self, fm: ForwardMsg, errors: list[str]) -> None:
        super()._read_delta(fm, errors)
        kind = fm.delta.WhichOneof("type")
        path = tuple(fm.metadata.delta_path)
        if kind == "new_element":
            element = fm.delta.new_element.WhichOneof("type") or "?"
            if element == "empty":  # nothing on screen there (e.g. a finished spinner)
                self._screen.pop(path, None)
            else:
                self._screen[path] = (element, element_digest(fm.delta.new_element))
        elif kind == "add_block":
            self._screen[path] = ("block", fm.delta.add_block.SerializeToString(deterministic=True))

    def switch_page(self, rng: random.Random, allowed: list[str]) -> str:
        """Click another page; like a browser, drop the old page's query string (Streamlit clears query
        parameters on navigation; the shared sentence comes back from its widget state)."""
        label = super().switch_page(rng, allowed)
        if label:
            self.query = ""
        return label

    @property
    def url_path(self) -> str:
        """The path of the page this tab shows ('' for the default page), as in its address bar."""
        return next((u for u, h in self.pages.items() if h == self.page_hash), "")

    @property
    def address(self) -> str:
        """What the address bar holds now: the page's path and the query string."""
        return f"/{self.url_path}?{self.query}"

    async def reopen_from_url(self) -> RunResult:
        """What a reload does: a fresh session that knows only the URL (page path and query string)."""
        path, query = self.url_path, self.query
        with contextlib.suppress(Exception):
            await self.close()
        await self.connect()
        self.connected_at = time.monotonic()
        self.page_hash, self.states, self.query = "", {}, query
        return await self.rerun(path)


def first_difference(before: list[tuple[str, bytes]], after: list[tuple[str, bytes]]) -> str:
    """Where two views part: the first element that differs (for the report of a lost view)."""
    for i, (a, b) in enumerate(zip(before, after, strict=False)):
        if a != b:
            return f"element {i} differs: {_show(a)} | then: {_show(b)}"
    if len(before) != len(after):
        longer, which = (before, "before") if len(before) > len(after) else (after, "after")
        extra = "; ".join(_show(part) for part in longer[min(len(before), len(after)) :][:3])
        return f"{len(before)} elements before, {len(after)} after; only {which}: {extra}"
    return "the address bar differs"


def _show(part: tuple[str, bytes]) -> str:
    kind, data = part
    if kind == "block":
        return "block"
    return " ".join(str(Element.FromString(data)).split())[:200]


async def wait_dropped(s: Session, seconds: float) -> bool:
    """Think for `seconds`, but notice at once when the socket closes (as a browser's onclose does)."""
    assert s.ws is not None
    try:
        await asyncio.wait_for(asyncio.shield(s.ws.wait_closed()), timeout=seconds)
    except TimeoutError:
        return False
    return True


async def reference_view(port: int, address: str, timeout: float) -> str:
    """The view a fresh tab gets for `address` ("/path?query") from any live replica (no cookie)."""
    path, _, query = address.lstrip("/").partition("?")
    s = StickySession(port, timeout)
    try:
        await s.connect()
        s.query = query
        result = await s.rerun(path)
        return s.view if not result.errors else ""
    finally:
        with contextlib.suppress(Exception):
            await s.close()


# ---------------------------------------------------------------- the fault test


@dataclass
class Recovery:
    """One student's way back after its replica died."""

    student: int
    replica_before: str
    replica_after: str
    seconds_from_kill: float  # until the same view is drawn again
    socket_seconds: float  # until the new websocket is open (the rest is the page's run on its new replica)
    attempts: int
    same_view: bool
    compared_with: str  # "its last view", or "a fresh tab" when the kill cut off the run of a new URL
    error: str = ""


@dataclass
class StudentLog:
    """What one student did and saw during the fault test."""

    n: int
    replica: str = ""
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    recoveries: list[Recovery] = field(default_factory=list)
    interrupted: int = 0  # interactions cut off by the kill (the student asks again after reconnecting)
    after_recovery: int = 0  # interactions completed after reconnecting
    finished_at: float = 0.0  # monotonic time the student closed its tab


@dataclass
class FaultClock:
    """Shared by the students and the conductor: interactions done so far, and which replica died when."""

    done: int = 0
    killed_at: float | None = None
    killed: str = ""


async def _recover(s: StickySession, n: int, clock: FaultClock, limit: float) -> Recovery:
    """Reconnect through the balancer and reopen the URL until a view is back (or `limit` passes), then
    compare it with the view the student had."""
    before_view, before_url, before_replica = s.view, s.view_url, s.replica or "?"
    before_parts = s.view_parts
    address = s.address  # a run cut off by the kill may already have moved the URL on
    delay, attempts, error = 0.05, 0, ""
    killed_at = clock.killed_at or time.monotonic()
    while time.monotonic() - killed_at < limit:
        attempts += 1
        try:
            result = await s.reopen_from_url()
            if not result.errors:
                seconds = time.monotonic() - killed_at
                if address == before_url:
                    same, against = s.view == before_view, "its last view"
                else:
                    same, against = s.view == await reference_view(s.port, address, s.timeout), "a fresh tab"
                socket = s.connected_at - killed_at
                why = (
                    ""
                    if same
                    else f"at {s.address}: "
                    + (
                        first_difference(before_parts, s.view_parts)
                        if against == "its last view"
                        else "a fresh tab differs"
                    )
                )
                return Recovery(
                    n, before_replica, s.replica or "?", seconds, socket, attempts, same, against, why
                )
            error = "; ".join(result.errors)[:200]
        except (OSError, websockets.WebSocketException, TimeoutError) as exc:
            error = f"{type(exc).__name__}: {str(exc)[:150]}"
        await asyncio.sleep(delay)
        delay = min(delay * 2, 1.0)
    seconds = time.monotonic() - killed_at
    return Recovery(n, before_replica, s.replica or "?", seconds, seconds, attempts, False, "nothing", error)


async def _fault_student(
    n: int,
    port: int,
    pages: list[str],
    interactions: int,
    think: tuple[float, float],
    timeout: float,
    clock: FaultClock,
    recover_limit: float,
) -> StudentLog:
    """A student who acts `interactions` times; whenever its socket drops it reconnects and checks its view."""
    rng = random.Random(2000 + n)
    log = StudentLog(n)
    s = StickySession(port, timeout)

    async def recover() -> bool:
        log.recoveries.append(await _recover(s, n, clock, recover_limit))
        return log.recoveries[-1].same_view

    try:
        await s.connect()
        log.replica = s.replica or "?"
        first = await s.rerun(pages[n % len(pages)])
        log.errors.extend(first.errors)
        for i in range(interactions):
            if await wait_dropped(s, rng.uniform(*think)) and not await recover():
                break
            step = i % 4
            label = (
                s.type_sentence(rng)
                if step in (0, 2)
                else s.change_setting(rng)
                if step == 1
                else s.switch_page(rng, pages)
            ) or s.type_sentence(rng)
            try:
                result = await s.rerun()
            except (websockets.ConnectionClosed, OSError):
                log.interrupted += 1  # the kill cut this run off: reconnect, then go on
                if not await recover():
                    break
                continue
            log.latencies.append(result.seconds)
            log.errors.extend(f"{label}: {e}" for e in result.errors)
            log.after_recovery += bool(log.recoveries) and not result.errors
            clock.done += 1
        # A tab still open on the killed replica notices the drop even after the student's last click.
        on_victim = clock.killed_at is not None and log.replica == clock.killed
        if on_victim and not log.recoveries and await wait_dropped(s, 5.0):
            await recover()
    except (OSError, websockets.WebSocketException) as exc:
        log.errors.append(f"connection: {type(exc).__name__}: {exc}")
    finally:
        log.finished_at = time.monotonic()
        with contextlib.suppress(Exception):
            await s.close()
    return log


# ---------------------------------------------------------------- a real browser pinned to the victim


@dataclass
class BrowserCheck:
    """What a real chromium tab on the killed replica saw."""

    replica_before: str = ""
    replica_after: str = ""
    charts_before: int = 0
    same_charts: bool = False
    seconds_from_kill: float = float("nan")
    error: str = ""


# Every chart's traces as the browser drew them (type and data), as one string to compare.
CHARTS_DIGEST_JS = """() => JSON.stringify([...document.querySelectorAll('.js-plotly-plot')].map(
  p => (p.data || []).map(t => [t.type, t.x, t.y, t.z, t.text])))"""


class BrowserTab(threading.Thread):
    """A chromium tab on `path` with the sticky cookie set to `replica`. Once the replica is killed it waits
    until the page has opened a new websocket by itself and draws the same charts again."""

    def __init__(self, base_url: str, path: str, replica: str, killed: threading.Event, clock: FaultClock):
        super().__init__(daemon=True, name="browser-tab")
        self.base_url, self.path, self.replica = base_url, path, replica
        self.killed, self.clock = killed, clock
        self.ready = threading.Event()
        self.result = BrowserCheck(replica_before=replica)

    def run(self) -> None:
        from playwright.sync_api import sync_playwright

        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                try:
                    self._drive(browser)
                finally:
                    browser.close()
        except Exception as exc:
            self.result.error = f"{type(exc).__name__}: {str(exc)[:300]}"
        finally:
            self.ready.set()

    def _drive(self, browser: Any) -> None:
        context = browser.new_context(viewport={"width": 1280, "height": 2200})
        context.add_cookies([{"name": COOKIE, "value": self.replica, "url": self.base_url}])
        page = context.new_page()
        sockets: list[Any] = []
        page.on("websocket", lambda ws: sockets.append(ws))
        page.goto(f"{self.base_url}/{self.path}")
        page.wait_for_selector(".js-plotly-plot", timeout=1000 * BROWSER_TIMEOUT)
        _idle(page)
        before = page.evaluate(CHARTS_DIGEST_JS)
        self.result.charts_before = page.locator(".js-plotly-plot").count()
        self.ready.set()
        if not self.killed.wait(timeout=600):
            self.result.error = "the replica was never killed"
            return
        deadline = time.monotonic() + BROWSER_TIMEOUT
        opened = len(sockets)
        while not (len(sockets) > opened and not sockets[-1].is_closed()):
            if time.monotonic() > deadline:
                self.result.error = f"the tab opened no new websocket within {BROWSER_TIMEOUT:.0f} s"
                return
            page.wait_for_timeout(50)  # lets Playwright deliver the websocket events
        while time.monotonic() < deadline:
            _idle(page)
            if page.evaluate(CHARTS_DIGEST_JS) == before:
                assert self.clock.killed_at is not None
                self.result.seconds_from_kill = time.monotonic() - self.clock.killed_at
                self.result.same_charts = True
                break
            page.wait_for_timeout(50)
        self.result.replica_after = next((c["value"] for c in context.cookies() if c["name"] == COOKIE), "")
        if page.locator("[data-testid='stException']").count():
            self.result.error = "an exception is shown after reconnecting"


def _idle(page: Any) -> None:
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=1000 * BROWSER_TIMEOUT
    )


# ---------------------------------------------------------------- the run


@dataclass
class FaultReport:
    """The figures of one fault test."""

    replicas: int
    students: int
    killed: str
    killed_at: float
    logs: list[StudentLog]
    seconds_to_down: float
    balancer_health_during: int
    restart_seconds: float | None
    back_up_seconds: float | None
    wall: float
    browser: BrowserCheck | None = None

    @property
    def spread(self) -> dict[str, int]:
        """Students per replica, as HAProxy placed them."""
        counts: dict[str, int] = {}
        for log in self.logs:
            counts[log.replica] = counts.get(log.replica, 0) + 1
        return dict(sorted(counts.items()))

    @property
    def victims(self) -> list[StudentLog]:
        """Students whose tab was open on the killed replica when it died."""
        return [log for log in self.logs if log.replica == self.killed and log.finished_at > self.killed_at]

    @property
    def recoveries(self) -> list[Recovery]:
        """Every reconnection after the kill."""
        return [r for log in self.logs for r in log.recoveries]

    @property
    def lost_views(self) -> int:
        """Students of the killed replica who did not get their view back (goal 0)."""
        return sum(
            1 for log in self.victims if not log.recoveries or not all(r.same_view for r in log.recoveries)
        )

    @property
    def errors(self) -> list[str]:
        """Errors outside the reconnections themselves (goal: none)."""
        return [e for log in self.logs for e in log.errors]

    def reconnect_ms(self, q: float, socket_only: bool = False) -> float:
        """The q-quantile (nearest rank) of the time from the kill to the restored view (or only to the new
        websocket being open), in ms."""
        times = sorted(
            r.socket_seconds if socket_only else r.seconds_from_kill for r in self.recoveries if r.same_view
        )
        if not times:
            return float("nan")
        return 1000 * times[min(len(times) - 1, round(q * (len(times) - 1)))]


def run_fault(
    replicas: int = 3,
    students: int = 30,
    interactions: int = 10,
    kill_after: int = 3,
    think: tuple[float, float] = (0.5, 2.0),
    timeout: float = 60.0,
    pages: list[str] | None = None,
    recover_limit: float = 30.0,
    restart: bool = True,
    browsers: int = 0,
    limit: float = 300.0,
) -> FaultReport:
    """Start the cluster, warm every replica, run the class, kill a replica (SIGKILL) once the students have
    made `kill_after` interactions each on average, let them recover, restart it; always stop everything.

    The replica killed is r1 when a browser tab is pinned to it (`browsers=1`), else the busiest one."""
    if replicas < 2:
        raise ValueError("the fault test needs at least 2 replicas")
    if not 1 <= students <= MAX_STUDENTS:
        raise ValueError(f"students must be in 1..{MAX_STUDENTS}")
    if not 0 < kill_after < interactions:
        raise ValueError("kill_after must leave interactions for after the kill")
    content = [p for p in (pages if pages is not None else page_paths()) if p]
    with Cluster(replicas) as cluster:
        _run_async(warm_replicas(cluster, content, timeout, full=restart))
        tab = None
        if browsers:
            path = BROWSER_PAGE if BROWSER_PAGE in content else content[0]
            tab = BrowserTab(cluster.url, path, "r1", threading.Event(), FaultClock())
            tab.start()
            tab.ready.wait(timeout=BROWSER_TIMEOUT)
        return _run_async(
            _fault_class(
                cluster,
                students,
                interactions,
                kill_after,
                think,
                timeout,
                content,
                recover_limit,
                restart,
                tab,
                limit,
            )
        )


async def warm_replicas(cluster: Cluster, pages: list[str], timeout: float, full: bool = True) -> None:
    """Load models and caches on every replica (directly, not through the balancer), all at once: `full`
    opens every page and every choice of its short menus (bench/load.py's warm-up); otherwise each page once
    with a sentence that needs the model's word vectors."""
    if full:
        await asyncio.gather(*(_warm(r.port, pages, timeout) for r in cluster.members))
        return

    async def light(port: int) -> None:
        s = Session(port, max(timeout, 240))
        await s.connect()
        try:
            s.query = "text=warm+up+the+model+vectors"
            for url in pages:
                s.page_hash, s.states = s.pages.get(url, ""), {}
                result = await s.rerun(url)
                if result.errors:
                    print(f"warm-up: /{url}: {result.errors}", file=sys.stderr)
        finally:
            await s.close()

    await asyncio.gather(*(light(r.port) for r in cluster.members))


async def _fault_class(
    cluster: Cluster,
    students: int,
    interactions: int,
    kill_after: int,
    think: tuple[float, float],
    timeout: float,
    pages: list[str],
    recover_limit: float,
    restart: bool,
    tab: BrowserTab | None,
    limit: float,
) -> FaultReport:
    clock = tab.clock if tab is not None else FaultClock()
    start = time.monotonic()
    ramp = min(3.0, 0.1 * students)

    async def delayed(n: int) -> StudentLog:
        await asyncio.sleep(ramp * n / students)
        return await _fault_student(
            n, cluster.port, pages, interactions, think, timeout, clock, recover_limit
        )

    tasks = [asyncio.create_task(delayed(n)) for n in range(students)]
    while clock.done < kill_after * students and not all(t.done() for t in tasks):
        if time.monotonic() - start > limit:
            break
        await asyncio.sleep(0.02)
    if tab is not None:
        victim = tab.replica
    else:
        per_replica = await asyncio.to_thread(sessions_per_replica, cluster)
        victim = min(per_replica, key=lambda r: (-per_replica[r], r))
    clock.killed = victim
    clock.killed_at = cluster.kill(victim)
    if tab is not None:
        tab.killed.set()
    seconds_to_down = await asyncio.to_thread(cluster.wait_state, victim, "DOWN", 30)
    health_during = await asyncio.to_thread(cluster.balancer_health)
    logs = await asyncio.gather(*tasks)
    if tab is not None:
        await asyncio.to_thread(tab.join, BROWSER_TIMEOUT)
    restart_seconds = back_up = None
    if restart:
        restart_seconds = await asyncio.to_thread(cluster.restart, victim)
        back_up = await asyncio.to_thread(cluster.wait_state, victim, "UP", 30)
    return FaultReport(
        replicas=cluster.replicas,
        students=students,
        killed=victim,
        killed_at=clock.killed_at,
        logs=list(logs),
        seconds_to_down=seconds_to_down,
        balancer_health_during=health_during,
        restart_seconds=restart_seconds,
        back_up_seconds=back_up,
        wall=time.monotonic() - start,
        browser=tab.result if tab is not None else None,
    )


def sessions_per_replica(cluster: Cluster) -> dict[str, int]:
    """Open sessions per replica, from HAProxy's stats (current sessions, `scur`)."""
    status, body = http_get(f"http://127.0.0.1:{cluster.stats_port}/;csv")
    if status != 200:
        return {}
    rows = csv.DictReader(io.StringIO(body.lstrip("# ")))
    return {
        row["svname"]: int(row["scur"] or 0)
        for row in rows
        if row.get("pxname") == "replicas" and row["svname"] not in ("FRONTEND", "BACKEND")
    }


def print_fault_report(r: FaultReport) -> None:
    """The fault test's figures as a table."""
    back = [log for log in r.victims if log.recoveries and all(x.same_view for x in log.recoveries)]
    rows: list[tuple[str, object]] = [
        ("replicas / students", f"{r.replicas} / {r.students}"),
        ("students per replica", ", ".join(f"{k}: {v}" for k, v in r.spread.items())),
        ("replica killed (SIGKILL)", f"{r.killed}, {len(r.victims)} students' tabs open on it"),
        ("lost views (goal 0)", r.lost_views),
        ("students back on the same view", f"{len(back)} / {len(r.victims)}"),
        (
            "kill -> new websocket open, p50 / max ms",
            f"{r.reconnect_ms(0.5, socket_only=True):.0f} / {r.reconnect_ms(1.0, socket_only=True):.0f}",
        ),
        (
            "kill -> same view drawn again (reconnect time), p50 / max ms",
            f"{r.reconnect_ms(0.5):.0f} / {r.reconnect_ms(1.0):.0f}",
        ),
        ("reconnect attempts (max)", max((x.attempts for x in r.recoveries), default=0)),
        ("interactions cut off by the kill (asked again)", sum(log.interrupted for log in r.logs)),
        ("interactions after reconnecting", sum(log.after_recovery for log in r.logs)),
        ("errors (goal 0)", len(r.errors)),
        ("HAProxy marks the replica DOWN after s", r.seconds_to_down),
        ("balancer's own health while it is down", r.balancer_health_during),
        (
            "killed replica restarted: healthy after s",
            "-" if r.restart_seconds is None else r.restart_seconds,
        ),
        ("... back in rotation (UP) after s", "-" if r.back_up_seconds is None else r.back_up_seconds),
        ("wall time s", r.wall),
    ]
    if r.browser is not None:
        b = r.browser
        rows.append(
            (
                "real chromium tab on the killed replica",
                f"{b.replica_before} -> {b.replica_after}; same {b.charts_before} charts: {b.same_charts}; "
                f"{1000 * b.seconds_from_kill:.0f} ms from the kill" + (f"; {b.error}" if b.error else ""),
            )
        )
    print_table("Fault test: one replica killed in the middle of a lesson", ["figure", "value"], rows)
    for x in [x for x in r.recoveries if not x.same_view][:10]:
        print(
            f"  - student {x.student}: {x.replica_before} -> {x.replica_after}: {x.error or 'another view'}"
        )
    for e in r.errors[:10]:
        print(f"  - error: {e}")


QUICK = {
    "replicas": 2,
    "students": 4,
    "interactions": 6,
    "kill_after": 2,
    "think": (0.2, 0.6),
    "pages": LIGHT_PAGES,
    "restart": False,
}


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line of `python -m bench.replicas`."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="2 replicas, 4 students, light pages, no restart")
    ap.add_argument("--replicas", type=int, default=3)
    ap.add_argument("--students", type=int, default=30)
    ap.add_argument("--interactions", type=int, default=10)
    ap.add_argument("--kill-after", type=int, default=3, help="interactions per student before the kill")
    ap.add_argument("--think-min", type=float, default=0.5)
    ap.add_argument("--think-max", type=float, default=2.0)
    ap.add_argument("--browsers", type=int, default=1, choices=(0, 1), help="a chromium tab on the victim")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> FaultReport:
    """Run the fault test (default: 3 replicas, 30 students, a chromium tab) and print its table."""
    args = parse_args(argv if argv is not None else [])
    if args.quick:
        report = run_fault(**QUICK, browsers=args.browsers)
    else:
        report = run_fault(
            args.replicas,
            args.students,
            args.interactions,
            args.kill_after,
            (args.think_min, args.think_max),
            browsers=args.browsers,
        )
    print_fault_report(report)
    return report


if __name__ == "__main__":
    main(sys.argv[1:])


@contextlib.contextmanager
def balancer_target(replicas: int, post_script_gc: bool = False) -> Iterator[LoadTarget]:
    """N replicas behind HAProxy as bench/load.py's target: students connect through the balancer with its
    sticky cookie, every replica is warmed directly, memory is summed over the replicas. Prints HAProxy's
    count of websocket sessions per replica afterwards."""
    env = gc_env(post_script_gc)
    with Cluster(replicas, extra_env=env) as cluster:
        warm_ports = tuple(r.port for r in cluster.members)
        label = f"{replicas} replicas behind HAProxy"
        yield LoadTarget(cluster.port, warm_ports, cluster.pids, StickySession, label)
        rows = [(name, n) for name, n in websockets_per_replica(cluster).items()]
        print_table("Websocket sessions each replica served (HAProxy)", ["replica", "sessions"], rows)


def websockets_per_replica(cluster: Cluster) -> dict[str, int]:
    """Websocket upgrades (HTTP 101) each replica answered, from HAProxy's stats (`hrsp_1xx`)."""
    status, body = http_get(f"http://127.0.0.1:{cluster.stats_port}/;csv")
    if status != 200:
        return {}
    rows = csv.DictReader(io.StringIO(body.lstrip("# ")))
    return {
        row["svname"]: int(row["hrsp_1xx"] or 0)
        for row in rows
        if row.get("pxname") == "replicas" and row["svname"] not in ("FRONTEND", "BACKEND")
    }
