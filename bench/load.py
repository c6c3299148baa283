"""A whole class at once: N concurrent sessions against one `streamlit run` server on 127.0.0.1.

Each session is a Streamlit websocket client that speaks the browser's protocol (BackMsg/ForwardMsg protobufs
on /_stcore/stream): it opens a page, then types sentences, moves sliders, flips toggles, picks menu options
and switches pages with a student's think time between actions. One interaction = one rerun request until
the server reports the script finished; its latency is what a student waits for the server (the browser's
own drawing time comes on top and runs on each student's machine, not the server; `--browsers K` adds K real
chromium contexts that measure type -> every chart redrawn end to end while the load runs).

Errors: any exception element, non-success finish, page-not-found, dropped socket or a rerun slower than the
timeout. Memory: the server's RSS (psutil) after one warm-up session has visited every page (models loaded)
and its peak during the load; growth per session far below a model's size means each model is loaded once
per server, not per session. Bounded: at most 200 sessions, a wall-clock limit, loopback only; the server is
started and stopped here.

    python -m bench.load                    # 30 sessions x 12 interactions
    python -m bench.load --sessions 4 --interactions 4
    python -m bench.load --post-script-gc   # the same with runner.postScriptGC on (config.toml turns it off)
    python -m bench.load --replicas 3       # the same class through HAProxy in front of 3 replicas
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import psutil
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

from bench.common import ROOT, bench_args, free_port, print_table, streamlit_server

MAX_SESSIONS = 200
SENTENCES = (
    "the cat sat on the mat",
    "Your journey starts with one step",
    "attention is all you need",
    "the little girl saw a big dog in the park",
    "a student reads the book and the teacher writes on the board",
    "the model looks back at every word before it writes the next one",
)
TEXT_KEY = "text"


# ---------------------------------------------------------------- server


def gc_env(post_script_gc: bool) -> dict[str, str]:
    """The server environment that sets runner.postScriptGC explicitly (the env var beats config.toml)."""
    return {"STREAMLIT_RUNNER_POST_SCRIPT_GC": "true" if post_script_gc else "false"}


def rss_mb(*pids: int) -> float:
    """Resident memory of the server processes and their children, in MB."""
    total = 0
    for pid in pids:
        proc = psutil.Process(pid)
        total += proc.memory_info().rss
        for child in proc.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
    return total / 2**20


class RssSampler(threading.Thread):
    """Samples the server's RSS every `every` seconds; keeps the peak."""

    def __init__(self, *pids: int, every: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.pids, self.every, self.peak = pids, every, 0.0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            with contextlib.suppress(psutil.Error):
                self.peak = max(self.peak, rss_mb(*self.pids))
            self._stop_event.wait(self.every)

    def stop(self) -> float:
        """Stop sampling and return the peak in MB."""
        self._stop_event.set()
        self.join(timeout=5)
        return self.peak


# ---------------------------------------------------------------- one session (websocket client)


@dataclass
class Widget:
    """A widget as the page last drew it."""

    kind: str
    id: str
    key: str
    proto: object


@dataclass
class RunResult:
    """What one rerun sent back."""

    seconds: float
    nbytes: int
    errors: list[str]


@dataclass
class SessionStats:
    """Everything one simulated student saw."""

    latencies: list[float] = field(default_factory=list)
    nbytes: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    actions: dict[str, int] = field(default_factory=dict)
    by_page: list[tuple[str, float]] = field(default_factory=list)  # (page url, seconds) per interaction


class Session:
    """One browser tab's worth of protocol: rerun requests with widget states, page switches."""

    def __init__(self, port: int, timeout: float) -> None:
        self.port, self.timeout = port, timeout
        self.ws: websockets.ClientConnection | None = None
        self.pages: dict[str, str] = {}  # url_pathname -> page_script_hash
        self.page_hash = ""
        self.widgets: dict[str, Widget] = {}  # key -> widget
        self.states: dict[str, WidgetState] = {}  # widget id -> state we report
        self.query = ""

    @property
    def page_url(self) -> str:
        """The url path of the page this session is on."""
        return next((u for u, h in self.pages.items() if h == self.page_hash), "?") or "home"

    async def connect(self) -> None:
        """Open the websocket the way the browser does (loopback origin, 'streamlit' subprotocol)."""
        self.ws = await websockets.connect(
            f"ws://127.0.0.1:{self.port}/_stcore/stream",
            subprotocols=["streamlit"],
            origin=f"http://127.0.0.1:{self.port}",
            max_size=64 * 2**20,
            open_timeout=self.timeout,
            ping_interval=None,  # a browser never pings; the server pings it (a starved server is slow, not gone)
        )

    async def close(self) -> None:
        """Close the socket (the server drops the session)."""
        if self.ws is not None:
            await self.ws.close()

    WIDGET_KINDS: tuple[str, ...] = ("text_area", "slider", "selectbox", "checkbox", "radio")  # tracked

    def on_message(self, fm: ForwardMsg) -> None:
        """Hook for subclasses: every message of a rerun (bench/learn.py reads auto-reruns and progress)."""

    async def rerun(self, page_name: str = "", fragment_id: str = "") -> RunResult:
        """Send one rerun request (of one fragment, if given) and read messages until the script has finished."""
        assert self.ws is not None
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = self.query
        cs.page_script_hash = self.page_hash
        cs.page_name = page_name
        if fragment_id:  # what the browser sends for an st.fragment(run_every=...) tick
            cs.fragment_id, cs.is_auto_rerun = fragment_id, True
        cs.context_info.url = f"http://127.0.0.1:{self.port}/{page_name}"
        cs.widget_states.widgets.extend(self.states.values())
        start = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        errors: list[str] = []
        nbytes = 0
        self.widgets = {}
        deadline = start + self.timeout
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                errors.append(f"timeout after {self.timeout:.0f} s")
                break
            try:
                data = await asyncio.wait_for(self.ws.recv(), timeout=remaining)
            except TimeoutError:
                errors.append(f"timeout after {self.timeout:.0f} s")
                break
            nbytes += len(data)
            fm = ForwardMsg()
            fm.ParseFromString(data)
            self.on_message(fm)
            kind = fm.WhichOneof("type")
            if kind == "delta":
                self._read_delta(fm, errors)
            elif kind == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in fm.navigation.app_pages}
                self.page_hash = fm.navigation.page_script_hash
            elif kind == "page_info_changed":
                self.query = fm.page_info_changed.query_string
            elif kind == "page_not_found":
                errors.append("page not found")
            elif kind == "script_finished":
                status = fm.script_finished
                if status in (
                    ForwardMsg.FINISHED_SUCCESSFULLY,
                    ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
                ):
                    break  # a fragment's rerun (st.fragment(run_every=...)) ends with its own success status
                if status != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    errors.append(f"script finished with status {status}")
                    break
        return RunResult(time.perf_counter() - start, nbytes, errors)

    def _read_delta(self, fm: ForwardMsg, errors: list[str]) -> None:
        if fm.delta.WhichOneof("type") != "new_element":
            return
        el = fm.delta.new_element
        kind = el.WhichOneof("type")
        if kind == "exception":
            errors.append(f"exception: {el.exception.type}: {el.exception.message[:200]}")
            return
        proto = getattr(el, kind, None)
        wid = getattr(proto, "id", "")
        if isinstance(wid, str) and wid.startswith("$$ID-") and wid.count("-") >= 2:
            key = wid.split("-", 2)[2]
            if kind in self.WIDGET_KINDS:
                self.widgets[key] = Widget(kind, wid, key, proto)

    # -------- student actions (each returns a label; the caller times the rerun that follows)

    def type_sentence(self, rng: random.Random) -> str:
        """Type a sentence into the shared box."""
        text = self.widgets.get(TEXT_KEY)
        if text is None:
            return ""
        state = WidgetState(id=text.id, string_value=rng.choice(SENTENCES))
        self.states[text.id] = state
        return "type"

    def change_setting(self, rng: random.Random) -> str:
        """Move a slider, flip a toggle or pick another menu option on the current page."""
        choices = [
            w for w in self.widgets.values() if w.key != TEXT_KEY and not getattr(w.proto, "disabled", 0)
        ]
        choices = [w for w in choices if w.key != "present"]  # presentation mode hides most of the page
        if not choices:
            return ""
        w = rng.choice(choices)
        p = w.proto
        if w.kind == "slider":
            lo, hi, step = float(p.min), float(p.max), float(p.step or 1)
            n = max(round((hi - lo) / step), 1)
            values = [lo + step * rng.randint(0, n) for _ in range(max(len(p.default), 1))]
            state = WidgetState(id=w.id)
            state.double_array_value.data.extend(sorted(values))
        elif w.kind == "checkbox":
            current = self.states.get(w.id)
            value = not (current.bool_value if current is not None else p.value)
            state = WidgetState(id=w.id, bool_value=value)
        elif w.kind in ("selectbox", "radio") and len(p.options) > 1:
            state = WidgetState(id=w.id, string_value=rng.choice(list(p.options)))
        else:
            return ""
        self.states[w.id] = state
        return f"set {w.kind}"

    def switch_page(self, rng: random.Random, allowed: list[str]) -> str:
        """Click another page in the sidebar (the page's own widgets start fresh)."""
        targets = [u for u in allowed if u in self.pages and self.pages[u] != self.page_hash]
        if not targets:
            return ""
        url = rng.choice(targets)
        self.page_hash = self.pages[url]
        text = self.widgets.get(TEXT_KEY)
        self.states = {wid: s for wid, s in self.states.items() if text is not None and wid == text.id}
        return f"page {url or 'home'}"


async def student(
    n: int,
    port: int,
    start_page: str,
    pages: list[str],
    interactions: int,
    think: tuple[float, float],
    timeout: float,
    stop_at: float,
    until: float | None = None,
    make_session: Callable[[int, float], Session] = Session,
) -> SessionStats:
    """One simulated student: open a page, then act `interactions` times with think time in between.

    With `until` (a time.monotonic() deadline) the student simply stops at that time (the soak test).
    """
    rng = random.Random(1000 + n)
    stats = SessionStats()
    s = make_session(port, timeout)
    try:
        await s.connect()
        first = await s.rerun(start_page)
        stats.errors.extend(first.errors)
        stats.latencies.append(first.seconds)
        stats.nbytes.append(first.nbytes)
        for i in range(interactions):
            if until is not None and time.monotonic() >= until:
                break
            if time.monotonic() > stop_at:
                stats.errors.append("stopped by the wall-clock limit")
                break
            await asyncio.sleep(rng.uniform(*think))
            step = i % 4
            label = (
                s.type_sentence(rng)
                if step in (0, 2)
                else s.change_setting(rng)
                if step == 1
                else s.switch_page(rng, pages)
            ) or s.type_sentence(rng)
            if not label:
                continue
            result = await s.rerun()
            stats.actions[label.split()[0]] = stats.actions.get(label.split()[0], 0) + 1
            stats.latencies.append(result.seconds)
            stats.nbytes.append(result.nbytes)
            stats.by_page.append((s.page_url, result.seconds))
            stats.errors.extend(f"{label}: {e}" for e in result.errors)
    except (OSError, websockets.WebSocketException) as exc:
        stats.errors.append(f"connection: {type(exc).__name__}: {exc}")
    finally:
        with contextlib.suppress(Exception):
            await s.close()
    return stats


# ---------------------------------------------------------------- optional real browsers


def browser_sampler(port: int, pages: list[str], stop: threading.Event, out: list[float], errs: list[str]):
    """A real chromium tab typing sentences while the load runs: seconds until every chart is redrawn."""
    from playwright.sync_api import sync_playwright

    from bench.common import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 2200})
            page.on("dialog", lambda d: d.dismiss())
            i = 0
            while not stop.is_set():
                url = pages[i % len(pages)]
                page.goto(f"http://127.0.0.1:{port}/{url}")
                page.wait_for_selector("[data-testid='stSidebar'] textarea", timeout=120_000)
                _idle(page)
                box = page.get_by_role("textbox", name="Your sentence")
                sentence = f"{SENTENCES[i % len(SENTENCES)]} number {i}"
                start = time.perf_counter()
                box.fill(sentence)
                box.press("Control+Enter")
                page.wait_for_function(
                    "want => new URLSearchParams(location.search).get('text') === want", arg=sentence
                )
                _idle(page)
                out.append(time.perf_counter() - start)
                if page.locator("[data-testid='stException']").count():
                    errs.append(f"browser: exception on {url}")
                i += 1
        except Exception as exc:
            errs.append(f"browser: {type(exc).__name__}: {str(exc)[:200]}")
        finally:
            browser.close()


def _idle(page) -> None:
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=120_000
    )


# ---------------------------------------------------------------- the run


@dataclass
class LoadReport:
    """The figures of one load run."""

    sessions: int
    interactions: int
    errors: list[str]
    latencies: list[float]
    first_view: list[float]
    nbytes: list[int]
    rss_start: float
    rss_warm: float
    rss_peak: float
    rss_end: float
    wall: float
    browser: list[float]
    by_page: dict[str, list[float]] = field(default_factory=dict)
    where: str = "one server"

    def percentile(self, q: float, values: list[float] | None = None) -> float:
        """The q-th percentile (nearest rank) of a list of seconds."""
        data = sorted(self.latencies if values is None else values)
        if not data:
            return float("nan")
        return data[min(len(data) - 1, max(0, round(q / 100 * (len(data) - 1))))]


def page_paths() -> list[str]:
    """The url paths of the registered pages ('' for the first, default page)."""
    from ui.pages import PAGES

    return ["" if i == 0 else p.url_path for i, p in enumerate(PAGES)]


async def _run_sessions(
    port: int,
    sessions: int,
    interactions: int,
    pages: list[str],
    think: tuple[float, float],
    timeout: float,
    limit: float,
    ramp: float,
    make_session: Callable[[int, float], Session] = Session,
) -> list[SessionStats]:
    stop_at = time.monotonic() + limit
    content = [p for p in pages if p] or pages

    async def delayed(n: int) -> SessionStats:
        await asyncio.sleep(ramp * n / max(sessions, 1))
        return await student(
            n,
            port,
            content[n % len(content)],
            content,
            interactions,
            think,
            timeout,
            stop_at,
            make_session=make_session,
        )

    return await asyncio.gather(*(delayed(n) for n in range(sessions)))


def _run_async(coro: Any) -> Any:
    """asyncio.run in a fresh thread, so callers that already run an event loop (pytest-playwright) work."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = asyncio.run(coro)
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=target, name="load-clients")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["result"]


@dataclass(frozen=True)
class LoadTarget:
    """Servers already running (e.g. replicas behind a balancer, bench/replicas.py) to load instead of one
    started here: the port students connect to, how they connect, the ports to warm directly, the pids whose
    memory is measured."""

    port: int
    warm_ports: tuple[int, ...]
    pids: tuple[int, ...]
    make_session: Callable[[int, float], Session] = Session
    label: str = "one server"


@contextlib.contextmanager
def _target(target: LoadTarget | None, post_script_gc: bool) -> Iterator[LoadTarget]:
    """The given target, or one `streamlit run` server started (and stopped) here."""
    if target is not None:
        yield target
        return
    port = free_port()
    with streamlit_server(port, ROOT / "artifacts" / "load-server.log", gc_env(post_script_gc)) as proc:
        yield LoadTarget(port, (port,), (proc.pid,))


def run_load(
    sessions: int = 30,
    interactions: int = 12,
    think: tuple[float, float] = (0.5, 2.0),
    timeout: float = 60.0,
    limit: float = 300.0,
    ramp: float = 3.0,
    browsers: int = 0,
    pages: list[str] | None = None,
    post_script_gc: bool = False,
    target: LoadTarget | None = None,
) -> LoadReport:
    """Start a server (or use `target`), warm it (one session visits every page), run the class, stop it."""
    if not 1 <= sessions <= MAX_SESSIONS:
        raise ValueError(f"sessions must be in 1..{MAX_SESSIONS}")
    pages = pages if pages is not None else page_paths()
    with _target(target, post_script_gc) as target:
        port, pids = target.port, target.pids
        rss_start = rss_mb(*pids)
        for warm_port in target.warm_ports:
            _run_async(_warm(warm_port, pages, timeout))
        rss_warm = rss_mb(*pids)
        sampler = RssSampler(*pids)
        sampler.start()
        stop = threading.Event()
        browser_times: list[float] = []
        browser_errors: list[str] = []
        threads = [
            threading.Thread(
                target=browser_sampler,
                args=(
                    port,
                    [p for p in pages if p][i:] + [p for p in pages if p][:i],
                    stop,
                    browser_times,
                    browser_errors,
                ),
                daemon=True,
            )
            for i in range(browsers)
        ]
        for t in threads:
            t.start()
        start = time.perf_counter()
        results = _run_async(
            _run_sessions(
                port, sessions, interactions, pages, think, timeout, limit, ramp, target.make_session
            )
        )
        wall = time.perf_counter() - start
        stop.set()
        for t in threads:
            t.join(timeout=180)
        rss_peak = max(sampler.stop(), rss_warm)
        rss_end = rss_mb(*pids)
    by_page = pages_of(results)
    return LoadReport(
        sessions=sessions,
        interactions=sum(max(len(r.latencies) - 1, 0) for r in results),  # a session may never open
        errors=[e for r in results for e in r.errors] + browser_errors,
        latencies=[x for r in results for x in r.latencies[1:]],
        first_view=[r.latencies[0] for r in results if r.latencies],
        nbytes=[b for r in results for b in r.nbytes[1:]],
        rss_start=rss_start,
        rss_warm=rss_warm,
        rss_peak=rss_peak,
        rss_end=rss_end,
        wall=wall,
        browser=browser_times,
        by_page=by_page,
        where=target.label,
    )


async def _warm(port: int, pages: list[str], timeout: float) -> None:
    """One session opens every page and every choice of its short menus (e.g. each model) once, so caches
    and models are loaded before the class arrives and memory growth under load is per session only."""
    s = Session(port, max(timeout, 240))
    await s.connect()
    try:
        for url in pages:
            if s.pages and url in s.pages:
                s.page_hash = s.pages[url]
                s.states = {}
                result = await s.rerun()
            else:
                result = await s.rerun(url)
            menus = [w for w in s.widgets.values() if w.kind in ("selectbox", "radio") and w.key != "present"]
            for w in menus:
                if not 1 < len(w.proto.options) <= 4:
                    continue
                for option in w.proto.options:
                    s.states[w.id] = WidgetState(id=w.id, string_value=option)
                    result = await s.rerun()
                    if result.errors:
                        print(f"warm-up: /{url} {w.key}={option}: {result.errors}", file=sys.stderr)
                s.states.pop(w.id, None)
                await s.rerun()
            if result.errors:
                print(f"warm-up: /{url}: {result.errors}", file=sys.stderr)
    finally:
        await s.close()


def print_report(r: LoadReport) -> None:
    """The load figures as a table."""
    ms = [1000 * x for x in r.latencies]
    rows = [
        ("sessions (concurrent)", r.sessions),
        ("interactions measured", r.interactions),
        ("errors (goal 0)", len(r.errors)),
        ("interaction p50 ms", 1000 * r.percentile(50)),
        ("interaction p95 ms (goal <= 2000)", 1000 * r.percentile(95)),
        ("interaction max ms", max(ms) if ms else float("nan")),
        (
            "first view p50 / p95 ms",
            f"{1000 * r.percentile(50, r.first_view):.0f} / {1000 * r.percentile(95, r.first_view):.0f}",
        ),
        ("throughput reruns/s", r.interactions / r.wall if r.wall else float("nan")),
        (
            "kB sent per interaction (median)",
            statistics.median(r.nbytes) / 1024 if r.nbytes else float("nan"),
        ),
        ("server RSS at start MB", r.rss_start),
        ("server RSS warm (all pages once) MB", r.rss_warm),
        ("server RSS peak under load MB", r.rss_peak),
        ("RSS growth per session MB", (r.rss_peak - r.rss_warm) / r.sessions),
        ("wall time s", r.wall),
    ]
    if r.browser:
        rows.append(
            (
                "real browser: type -> charts p50 / p95 ms",
                f"{1000 * r.percentile(50, r.browser):.0f} / {1000 * r.percentile(95, r.browser):.0f} "
                f"(n={len(r.browser)})",
            )
        )
    print_table(f"Load test: {r.sessions} concurrent sessions on {r.where}", ["figure", "value"], rows)
    print_pages(r.by_page)
    if r.errors:
        print("\nFirst errors:")
        for e in r.errors[:10]:
            print(f"  - {e}")


def pages_of(stats: list[SessionStats]) -> dict[str, list[float]]:
    """Every measured interaction's seconds, by the page it ran on."""
    by_page: dict[str, list[float]] = {}
    for r in stats:
        for url, seconds in r.by_page:
            by_page.setdefault(url, []).append(seconds)
    return by_page


def print_pages(
    by_page: dict[str, list[float]], title: str = "Interaction latency by page under that load"
) -> None:
    """p50 / p95 / max per page: where a load's tail comes from."""

    def pct(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]

    rows = [
        (url or "home", len(v), 1000 * pct(v, 50), 1000 * pct(v, 95), 1000 * max(v))
        for url, v in sorted(by_page.items())
        if v
    ]
    print_table(title, ["page", "n", "p50 ms", "p95 ms", "max ms"], rows)


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line of `python -m bench.load` (`--quick`: 2 sessions x 3 interactions, short think time)."""
    return bench_args(__doc__, argv, _options)


def _options(ap: argparse.ArgumentParser) -> None:
    ap.add_argument("--sessions", type=int, default=30)
    ap.add_argument("--interactions", type=int, default=12)
    ap.add_argument("--think-min", type=float, default=0.5)
    ap.add_argument("--think-max", type=float, default=2.0)
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds before one rerun counts as an error")
    ap.add_argument("--limit", type=float, default=300.0, help="wall-clock limit for the whole class (s)")
    ap.add_argument("--browsers", type=int, default=0, help="real chromium tabs measuring end to end")
    ap.add_argument(
        "--replicas", type=int, default=0, help="N > 0: through HAProxy to N replicas (bench/replicas.py)"
    )
    ap.add_argument(
        "--post-script-gc",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="runner.postScriptGC for the server (default off, as .streamlit/config.toml; on for comparison)",
    )


def main(argv: list[str] | None = None) -> LoadReport:
    """Run the load test (defaults: 30 sessions x 12 interactions) and print its table."""
    args = parse_args(argv if argv is not None else [])
    if args.quick:
        args.sessions, args.interactions, args.think_min, args.think_max = 2, 3, 0.1, 0.3
    with contextlib.ExitStack() as stack:
        target = None
        if args.replicas:
            from bench.replicas import balancer_target

            target = stack.enter_context(balancer_target(args.replicas, args.post_script_gc))
        report = run_load(
            args.sessions,
            args.interactions,
            (args.think_min, args.think_max),
            args.timeout,
            args.limit,
            browsers=args.browsers,
            post_script_gc=args.post_script_gc,
            target=target,
        )
    print_report(report)
    return report


if __name__ == "__main__":
    main(sys.argv[1:])
