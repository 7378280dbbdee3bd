#!/usr/bin/python3
"""make console-browser (and the last step of make test): the operator console in a real browser.

A headless Chromium, driven over the W3C WebDriver protocol by chromedriver (a small client
written here with urllib: no selenium, nothing but Debian's python3 standard library), against
a private `udtraek serve` on loopback seeded by `udtraek demo`:

0. chromedriver on a free loopback port and one browser session, first: a machine without
   them skips at once.
1. A temporary directory with a copy of Config/udtraek.yaml: the admin API, the lookup gateway
   and the demo sshd on free loopback ports, a small synthetic register (2,000 persons), the
   pickup monitor polling every 5 s, and sag-kbh's files due one minute after delivery (so the
   demo's file becomes overdue and raises an alarm while we watch; its warning_before goes, as
   the configuration takes none shorter than 1m and it must be shorter than collect_within).
   The demo's sshd host key
   (Config/demo/) beside it, a throwaway gateway PKI (Config/make-gateway-certs.sh). The
   systems' keys are made by `udtraek demo`.
2. `udtraek demo --keep-running`: a private sshd, the configuration applied, a CPR file
   delivered to sag-kbh's inbox, the agreement lifecycle with Aarhus's users.
3. `udtraek users add` / `users token create`: a signatory of kommune:0751 with a personal token.
   The operator signs in with the operator token of api.tokens (UDTRAEK_API_TOKEN, random).
4. `udtraek serve --grace 10`, waited for on /healthz.
5. The flows (README "The operator console"):
     a  sign-in            b  late file (overdue on the overview)
     c  a file and its alarm, acknowledged     d  ordering a monitoring change (errors, then valid)
     e  run an extract now f  sign-out
     g  a municipality's scope                 h  a form without its security token (CSRF)
     i  accessibility of every page the flows and the console's navigation reach: labelled
        controls, one h1 and no skipped heading level, keyboard sign-in, text contrast >= 4.5:1;
        focus outlines under 3:1 (WCAG 1.4.11) are printed as warnings, not failures
   Each prints `console-browser: ok FLOW` or `console-browser: FAILED FLOW: why` (with the page's
   address, a screenshot and, at the end, serve's log). All selected flows run; any failure
   exits 1. When Chromium or chromedriver is missing, or no browser session can be opened, the
   run prints `console-browser: SKIPPED: why` and exits 0: the only way to pass without testing.
6. On every exit the browser session, chromedriver, serve and the demo sshd are stopped. The
   temporary directory is removed, unless --keep or a flow failed (then it is kept for its
   screenshots and logs, and its path printed). A failed setup prints the command's output
   and serve's log, and removes it.

Usage: Tests/console-browser.py --bin .build/debug/udtraek [--keep] [--screenshots DIR]
                                [--only a,b,f] [--chromium PATH] [--chromedriver PATH]

Waits are polls with generous bounds (the machine may be a loaded two-core one); no assertion
rests on a fixed sleep. Only 127.0.0.1 is contacted: Chromium resolves no other host name
(--host-resolver-rules) and its background networking is off.
"""

import argparse
import base64
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLOWS = "abcdefghi"
# The order flows run in: h needs an alarm nobody acknowledged yet (c acknowledges it); f signs
# out, g signs in as someone else; i, last, signs in by keyboard on a browser with no cookies and
# reports on every page the others visited as well as its own.
ORDER = "abhcdefgi"

LATE_FILE_SECONDS = 240     # the demo's file: one minute to its deadline, then the monitor's poll
PROGRESS_SECONDS = 120      # other server-side progress (a change order carried out and verified)
RUN_SECONDS = 180           # an extract run produced by serve
PAGE_SECONDS = 60           # a page load, an element to appear

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
TAB, ENTER = "\ue004", "\ue007"

# No proxy from the environment: every request goes straight to 127.0.0.1.
HTTP = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def say(message):
    print(f"console-browser: {message}", flush=True)


class Skip(Exception):
    """The browser cannot run here: the only reason to pass without testing."""


class Failure(Exception):
    """A step of the setup or a flow did not do what the console promises."""


# --------------------------------------------------------------------------------------------
# A small W3C WebDriver client.

class WebDriverError(Exception):
    def __init__(self, status, error, message):
        super().__init__(f"{error}: {message}")
        self.status, self.error, self.message = status, error, message


class WebDriver:
    def __init__(self, base):
        self.base = base.rstrip("/")
        self.session = None

    def call(self, method, path, body=None, timeout=120):
        url = self.base + path
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method,
                                         headers={"Content-Type": "application/json; charset=utf-8"})
        try:
            with HTTP.open(request, timeout=timeout) as response:
                payload = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as e:
            try:
                value = json.loads(e.read() or b"{}").get("value", {})
            except ValueError:
                value = {}
            raise WebDriverError(e.code, value.get("error", "http error"), value.get("message", str(e)).split("\n")[0])
        return payload.get("value")

    def s(self, method, path, body=None, timeout=120):
        return self.call(method, f"/session/{self.session}{path}", body, timeout)

    # Sessions
    def ready(self):
        try:
            return bool(self.call("GET", "/status", timeout=5).get("ready"))
        except (OSError, WebDriverError, ValueError):
            return False

    def new_session(self, capabilities):
        value = self.call("POST", "/session", {"capabilities": capabilities}, timeout=180)
        self.session = value["sessionId"]
        return value

    def delete_session(self):
        if self.session:
            try:
                self.call("DELETE", f"/session/{self.session}", timeout=30)
            finally:
                self.session = None

    # Navigation
    def get(self, url):
        self.s("POST", "/url", {"url": url})

    def refresh(self):
        self.s("POST", "/refresh", {})

    def url(self):
        return self.s("GET", "/url")

    def title(self):
        return self.s("GET", "/title")

    def delete_cookies(self):
        self.s("DELETE", "/cookie")

    # Elements
    def find(self, selector, using="css selector", parent=None):
        prefix = f"/element/{parent}" if parent else ""
        return self.s("POST", f"{prefix}/element", {"using": using, "value": selector})[ELEMENT]

    def find_all(self, selector, using="css selector", parent=None):
        prefix = f"/element/{parent}" if parent else ""
        return [e[ELEMENT] for e in self.s("POST", f"{prefix}/elements", {"using": using, "value": selector})]

    def maybe(self, selector, using="css selector"):
        found = self.find_all(selector, using)
        return found[0] if found else None

    def click(self, element):
        self.s("POST", f"/element/{element}/click", {})

    def clear(self, element):
        self.s("POST", f"/element/{element}/clear", {})

    def send_keys(self, element, text):
        self.s("POST", f"/element/{element}/value", {"text": text})

    def text(self, element):
        return self.s("GET", f"/element/{element}/text")

    def attribute(self, element, name):
        return self.s("GET", f"/element/{element}/attribute/{name}")

    def property(self, element, name):
        return self.s("GET", f"/element/{element}/property/{name}")

    def active_element(self):
        return self.s("GET", "/element/active")[ELEMENT]

    def keys(self, text):
        """Types text on the keyboard (the actions API), to whatever has the focus."""
        actions = []
        for ch in text:
            actions += [{"type": "keyDown", "value": ch}, {"type": "keyUp", "value": ch}]
        self.s("POST", "/actions", {"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})
        self.s("DELETE", "/actions")

    # Scripts and pictures
    def execute(self, script, *args):
        wrapped = [{ELEMENT: a[1]} if isinstance(a, tuple) and a[0] == ELEMENT else a for a in args]
        return self.s("POST", "/execute/sync", {"script": script, "args": wrapped})

    def screenshot(self, path):
        png = base64.b64decode(self.s("GET", "/screenshot"))
        with open(path, "wb") as f:
            f.write(png)
        return path


def el(element_id):
    """An element as an argument of execute()."""
    return (ELEMENT, element_id)


# --------------------------------------------------------------------------------------------
# Scripts run in the page.

PAGE_FACTS = r"""
const status = (performance.getEntriesByType('navigation')[0] || {}).responseStatus;
const h1 = [...document.querySelectorAll('h1')].map(h => h.innerText.trim());
const dl = {};
for (const dt of document.querySelectorAll('dt')) {
  let dd = dt.nextElementSibling;
  while (dd && dd.tagName !== 'DD' && dd.tagName !== 'DT') dd = dd.nextElementSibling;
  if (dd && dd.tagName === 'DD') dl[dt.innerText.trim()] = dd.innerText.trim();
}
return {status: status === undefined ? null : status, h1: h1, dl: dl,
        text: document.body ? document.body.innerText : '', error_page: location.protocol === 'chrome-error:'};
"""

# Accessibility of the page as it stands: unlabelled controls, headings, text contrast.
AUDIT = r"""
function visible(e) {
  const s = getComputedStyle(e);
  return s.visibility !== 'hidden' && s.display !== 'none' && e.getClientRects().length > 0;
}
function describe(e) {
  let d = e.tagName.toLowerCase();
  if (e.id) d += '#' + e.id;
  if (e.getAttribute('name')) d += '[name=' + e.getAttribute('name') + ']';
  if (e.className && typeof e.className === 'string') d += '.' + e.className.trim().split(/\s+/).join('.');
  if (['A', 'BUTTON', 'SUMMARY'].includes(e.tagName)) d += ' "' + (e.getAttribute('aria-label') || e.innerText || '').trim().slice(0, 40) + '"';
  return d;
}
const problems = [];
// Every visible form control has a label: <label for=ID>, a wrapping <label>, aria-label or aria-labelledby.
for (const c of document.querySelectorAll('input, select, textarea')) {
  if (c.type === 'hidden' || !visible(c)) continue;
  const byFor = c.id && [...document.querySelectorAll('label[for]')].some(l => l.htmlFor === c.id && l.innerText.trim());
  const aria = (c.getAttribute('aria-label') || '').trim() ||
    (c.getAttribute('aria-labelledby') || '').split(/\s+/).some(id => id && document.getElementById(id) && document.getElementById(id).innerText.trim());
  if (!byFor && !aria && !c.closest('label')) problems.push('unlabelled control ' + describe(c));
}
// Buttons and links say what they do.
for (const b of document.querySelectorAll('button, a[href]')) {
  if (!visible(b)) continue;
  if (!(b.innerText || '').trim() && !(b.getAttribute('aria-label') || '').trim())
    problems.push('nameless ' + describe(b));
}
// Headings: exactly one h1, the first heading; no level skipped on the way down.
const headings = [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')];
const h1s = headings.filter(h => h.tagName === 'H1');
if (h1s.length !== 1) problems.push(h1s.length + ' h1 elements (want exactly one)');
let previous = 0;
for (const h of headings) {
  const level = +h.tagName[1];
  if (previous === 0 && level !== 1) problems.push('the first heading is ' + h.tagName.toLowerCase() + ' "' + h.innerText.trim() + '", not h1');
  else if (level > previous + 1 && previous !== 0) problems.push('heading level skipped: h' + previous + ' then ' + h.tagName.toLowerCase() + ' "' + h.innerText.trim() + '"');
  previous = level;
}
// Text contrast: every visible element with text of its own, against the first ancestor
// background that is not transparent (white when none is).
function rgba(value) {
  let m = value.match(/rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:\s*[,\/]\s*([\d.]+%?))?\s*\)/);
  if (!m) m = value.match(/color\(srgb\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)(?:\s*\/\s*([\d.]+%?))?\s*\)/);
  if (!m) return null;
  let a = m[4] === undefined ? 1 : (m[4].endsWith('%') ? parseFloat(m[4]) / 100 : parseFloat(m[4]));
  let [r, g, b] = [m[1], m[2], m[3]].map(parseFloat);
  if (value.startsWith('color(')) { r *= 255; g *= 255; b *= 255; }
  return [r, g, b, a];
}
function over(top, bottom) {
  const a = top[3];
  return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]);
}
function background(e) {
  const layers = [];
  for (let n = e; n && n.nodeType === 1; n = n.parentElement) {
    const c = rgba(getComputedStyle(n).backgroundColor);
    if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
  }
  let colour = [255, 255, 255, 1];
  for (const c of layers.reverse()) colour = over(c, colour);
  return colour;
}
function luminance(c) {
  const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
let checked = 0;
for (const e of document.body.querySelectorAll('*')) {
  if (['SCRIPT', 'STYLE', 'TITLE', 'OPTION'].includes(e.tagName) || !visible(e)) continue;
  const own = [...e.childNodes].filter(n => n.nodeType === 3).map(n => n.textContent).join('').trim();
  if (!own) continue;
  // SVG text is painted with fill, everything else with color.
  const paint = e instanceof SVGElement ? getComputedStyle(e).fill : getComputedStyle(e).color;
  const fg = rgba(paint);
  if (!fg) { problems.push('colour not understood: ' + paint + ' on ' + describe(e)); continue; }
  const bg = background(e);
  const l1 = luminance(over(fg, bg)), l2 = luminance(bg);
  const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
  checked++;
  if (ratio < 4.5) problems.push('contrast ' + ratio.toFixed(2) + ':1 (' + paint + ' on rgb(' +
    bg.slice(0, 3).map(Math.round).join(', ') + ')) of ' + describe(e) + ' "' + own.slice(0, 60) + '"');
}
// Warnings (reported, not failing): the focus indicator of each control, which WCAG 1.4.11 wants
// at 3:1 against what is next to it (the outline sits outside the element, on its parent's background).
const warnings = [];
const before = document.activeElement;
for (const f of document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, summary')) {
  if (!visible(f)) continue;
  f.focus({preventScroll: true});
  if (document.activeElement !== f) continue;
  const s = getComputedStyle(f);
  if (s.outlineStyle === 'none' || parseFloat(s.outlineWidth) === 0) {
    if (s.boxShadow === 'none') warnings.push(['no focus outline', describe(f)]);
    continue;
  }
  const ring = rgba(s.outlineColor), around = background(f.parentElement || f);
  if (!ring) continue;
  const l1 = luminance(over(ring, around)), l2 = luminance(around);
  const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
  if (ratio < 3) warnings.push(['focus outline ' + s.outlineColor + ' on rgb(' + around.slice(0, 3).map(Math.round).join(', ') +
    ') is ' + ratio.toFixed(2) + ':1 (WCAG 1.4.11 wants 3:1)', describe(f)]);
}
if (before && before.focus) before.focus({preventScroll: true}); else if (document.activeElement) document.activeElement.blur();
return {problems: problems, warnings: warnings, checked: checked, controls: document.querySelectorAll('input, select, textarea').length};
"""


# --------------------------------------------------------------------------------------------
# Processes and the temporary installation.

def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def http_status(url, headers=None, timeout=10):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with HTTP.open(request, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def tail(path, lines=40):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError as e:
        return f"({path}: {e})\n"


def seed_config(source, target, api_port, gateway_port, sftp_port):
    """Config/udtraek.yaml with free ports, a small register, a fast monitor and a late file."""
    with open(source) as f:
        text = f.read()

    def replace(pattern, repl, what, count_wanted=None, flags=re.M):
        nonlocal text
        text, n = re.subn(pattern, repl, text, flags=flags)
        if n == 0 or (count_wanted is not None and n != count_wanted):
            raise Failure(f"{source}: {what}: expected {count_wanted or 'some'} match(es) of /{pattern}/, found {n}")

    replace(r"^(  listen: )127\.0\.0\.1:\d+[ \t]*$", rf"\g<1>127.0.0.1:{api_port}", "api: listen: 127.0.0.1:PORT", 1)
    replace(r"^(  listen: \{ *host: *127\.0\.0\.1, *port: *)\d+( *\})", rf"\g<1>{gateway_port}\g<2>",
            "gateway: listen: { host: 127.0.0.1, port: N }", 1)
    replace(r"\bport: 22022\b", f"port: {sftp_port}", "port: 22022 (the demo sshd)")
    replace(r"\bpersons: *100000\b", "persons: 2000", "persons: 100000", 1)
    replace(r"^(  poll_interval: )60s\b", r"\g<1>5s", "monitoring: poll_interval: 60s", 1)
    # sag-kbh's rule: due a minute after delivery instead of 08:00 the next business day.
    # (warning_before goes: the configuration takes one of at least 1m, shorter than collect_within.)
    start = text.find("  - name: sag-kbh\n")
    end = text.find("\n  - name: ", start + 1)
    if start < 0 or end < 0:
        raise Failure(f"{source}: no system sag-kbh")
    block = text[start:end]
    block, n1 = re.subn(r'^(\s+)deadline: "08:00 next business day"[ \t]*\n', r"\g<1>collect_within: 1m\n", block, flags=re.M)
    block, n2 = re.subn(r"^\s+warning_before: 1h[ \t]*\n", "", block, flags=re.M)
    if (n1, n2) != (1, 1):
        raise Failure(f'{source}: sag-kbh\'s monitoring rule has no deadline: "08:00 next business day" / warning_before: 1h to replace')
    text = text[:start] + block + text[end:]
    with open(target, "w") as f:
        f.write(text)


class Harness:
    def __init__(self, args):
        self.args = args
        self.bin = os.path.abspath(args.bin)
        self.only = args.only
        self.tmp = tempfile.mkdtemp(prefix="udtraek-console-browser.")
        self.shots = os.path.abspath(args.screenshots or os.path.join(self.tmp, "screenshots"))
        os.makedirs(self.shots, exist_ok=True)
        self.config = os.path.join(self.tmp, "udtraek.yaml")
        self.state = os.path.join(self.tmp, "state")
        self.token = secrets.token_hex(32)
        self.env = dict(os.environ, UDTRAEK_API_TOKEN=self.token)
        for k in ("UDTRAEK_TOKEN", "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
            self.env.pop(k, None)
        self.env["NO_PROXY"] = self.env["no_proxy"] = "127.0.0.1,localhost"
        self.serve = None
        self.chromedriver = None
        self.driver = None
        self.base = None
        self.failed = []
        self.passed = []
        self.audits = []          # (page name, path, problems) of every page checked (flow i)
        self.audit_warnings = []  # (page name, path, warnings): reported, not failing
        self.facts = {}           # what flows learnt that later ones use
        self.serve_log = os.path.join(self.tmp, "serve.log")
        self.started = time.monotonic()

    # --- running udtraek -------------------------------------------------------------------
    def udtraek(self, *args, timeout=600, log=None):
        command = [self.bin, *args]
        try:
            done = subprocess.run(command, env=self.env, cwd=self.tmp, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Failure(f"`udtraek {' '.join(args)}` did not finish within {timeout} s")
        if log:
            with open(os.path.join(self.tmp, log), "w") as f:
                f.write(done.stdout + done.stderr)
        if done.returncode != 0:
            raise Failure(f"`udtraek {' '.join(args)}` exited {done.returncode}:\n{(done.stdout + done.stderr)[-3000:]}")
        return done.stdout

    def state_args(self):
        return ["--config", self.config, "--state", self.state]

    # --- setup -----------------------------------------------------------------------------
    def find_browser(self):
        chromium = self.args.chromium or shutil.which("chromium") or shutil.which("chromium-browser")
        chromedriver = self.args.chromedriver or shutil.which("chromedriver")
        if not chromium or not os.access(chromium, os.X_OK):
            raise Skip("no Chromium (install Debian's chromium; make deps does)")
        if not chromedriver or not os.access(chromedriver, os.X_OK):
            raise Skip("no chromedriver (install Debian's chromium-driver; make deps does)")
        return chromium, chromedriver

    def start_browser(self):
        chromium, chromedriver = self.find_browser()
        (port,) = free_ports(1)
        log = open(os.path.join(self.tmp, "chromedriver.log"), "w")
        try:
            self.chromedriver = subprocess.Popen([chromedriver, f"--port={port}", "--allowed-ips=127.0.0.1"],
                                                 stdout=log, stderr=subprocess.STDOUT, env=self.env,
                                                 start_new_session=True)
        except OSError as e:
            raise Skip(f"chromedriver does not start: {e}")
        self.driver = WebDriver(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + PAGE_SECONDS
        while not self.driver.ready():
            if self.chromedriver.poll() is not None:
                raise Skip(f"chromedriver exited {self.chromedriver.returncode}: {tail(log.name, 5).strip()}")
            if time.monotonic() > deadline:
                raise Skip(f"chromedriver did not answer on 127.0.0.1:{port} within {PAGE_SECONDS} s")
            time.sleep(0.2)
        arguments = [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,1000",
            f"--user-data-dir={os.path.join(self.tmp, 'chromium-profile')}",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-sync",
            "--disable-background-networking", "--disable-component-update", "--disable-default-apps",
            "--disable-domain-reliability", "--disable-client-side-phishing-detection", "--no-pings",
            "--metrics-recording-only", "--safebrowsing-disable-auto-update", "--password-store=basic",
            "--disable-features=Translate,OptimizationHints,MediaRouter,PasswordLeakDetection,AutofillServerCommunication",
            # Nothing but loopback: every other host name fails to resolve.
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        ]
        capabilities = {"alwaysMatch": {
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "timeouts": {"pageLoad": PAGE_SECONDS * 1000, "script": 30000, "implicit": 0},
            "goog:chromeOptions": {
                "binary": chromium, "args": arguments,
                "prefs": {"credentials_enable_service": False, "profile.password_manager_enabled": False,
                          "profile.password_manager_leak_detection": False,
                          # No speculative connections to serve (it would log each idle one it closes).
                          "net.network_prediction_options": 2},
            },
        }}
        try:
            value = self.driver.new_session(capabilities)
        except (WebDriverError, OSError) as e:
            raise Skip(f"no browser session could be opened: {e}")
        # The page has the focus as a window with the user's attention would (headless, it has
        # none): :focus styles apply and are checked (flow i).
        try:
            self.driver.s("POST", "/goog/cdp/execute", {"cmd": "Emulation.setFocusEmulationEnabled", "params": {"enabled": True}})
        except WebDriverError as e:
            say(f"(no focus emulation: {e}; the focus outlines may read as missing)")
        browser = value.get("capabilities", {})
        say(f"{browser.get('browserName', 'browser')} {browser.get('browserVersion', '?')} through chromedriver on 127.0.0.1:{port}")

    def setup(self):
        api_port, gateway_port, sftp_port = free_ports(3)
        seed_config(os.path.join(ROOT, "Config", "udtraek.yaml"), self.config, api_port, gateway_port, sftp_port)
        shutil.copytree(os.path.join(ROOT, "Config", "demo"), os.path.join(self.tmp, "demo"))
        os.chmod(os.path.join(self.tmp, "demo", "ssh_host_ed25519_key"), 0o600)
        done = subprocess.run(["bash", os.path.join(ROOT, "Config", "make-gateway-certs.sh"), os.path.join(self.tmp, "gateway")],
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise Failure(f"make-gateway-certs.sh failed: {done.stderr[-2000:]}")
        self.base = f"http://127.0.0.1:{api_port}"

        t = time.monotonic()
        self.udtraek("demo", *self.state_args(), "--keep-running", log="demo.log")
        say(f"demo: sshd on 127.0.0.1:{sftp_port}, configuration applied, a CPR file delivered to sag-kbh ({time.monotonic() - t:.0f} s)")

        user = json.loads(self.udtraek("users", "add", *self.state_args(), "--organisation", "kommune:0751",
                                       "--name", "Browser Signatory", "--role", "signatory", "--json"))
        user = user[0] if isinstance(user, list) and user else user
        user_id = user.get("id") if isinstance(user, dict) else None
        if user_id is None:
            raise Failure(f"`udtraek users add --json` printed no id: {user}")
        created = json.loads(self.udtraek("users", "token", "create", *self.state_args(), "--user", str(user_id),
                                          "--name", "console-browser", "--expires-in-days", "1", "--json"))
        created = created[0] if isinstance(created, list) and created else created
        self.municipality_token = created.get("token") if isinstance(created, dict) else None
        if not self.municipality_token:
            raise Failure(f"`udtraek users token create --json` printed no token: {created}")

        log = open(self.serve_log, "w")
        self.serve = subprocess.Popen([self.bin, "serve", *self.state_args(), "--grace", "10", "--log-level", "info"],
                                      env=self.env, cwd=self.tmp, stdout=log, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        deadline = time.monotonic() + PROGRESS_SECONDS
        while True:
            try:
                if http_status(self.base + "/healthz", timeout=5)[0] == 200:
                    break
            except OSError:
                pass
            if self.serve.poll() is not None:
                raise Failure(f"serve exited {self.serve.returncode} before it answered /healthz")
            if time.monotonic() > deadline:
                raise Failure(f"serve did not answer {self.base}/healthz within {PROGRESS_SECONDS} s")
            time.sleep(0.2)
        say(f"serve on {self.base} (state {self.state})")

    def cleanup(self):
        if self.driver and self.driver.session:
            try:
                self.driver.delete_session()
            except Exception as e:  # noqa: BLE001 - cleanup goes on whatever happened
                say(f"(deleting the browser session: {e})")
        for name in ("chromedriver", "serve"):
            process = getattr(self, name)
            if process and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)
        if self.chromedriver:
            # chromedriver started in its own process group: stop what is left of its Chromium.
            try:
                os.killpg(self.chromedriver.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        pid_file = os.path.join(self.state, "demo-sshd", "sshd.pid")
        try:
            with open(pid_file) as f:
                pid = int(f.read().strip())
            os.kill(pid, signal.SIGTERM)
            for _ in range(50):
                os.kill(pid, 0)
                time.sleep(0.1)
            os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError):
            pass
        # A failed flow's screenshots and logs are worth more than the space they take.
        keep = self.args.keep or any(f in FLOWS or f == "serve" for f in self.failed)
        if keep:
            say(f"kept {self.tmp}" + ("" if self.args.keep else " (a flow failed: screenshots and logs are there)"))
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # --- browser helpers -------------------------------------------------------------------
    def go(self, path):
        self.driver.get(self.base + path)
        return self.page()

    def navigate(self, action):
        """Runs an action that leads to another page (a click, Enter, a form's submit) and
        waits until that page has loaded: the old document is gone (the mark set on it first
        is not there) and the new one is complete. Reading the page at once could read the
        old one, or one half replaced, on a busy machine."""
        self.driver.execute("window.__consoleBrowserOldPage = true")
        action()

        def arrived():
            try:
                return self.driver.execute("return window.__consoleBrowserOldPage !== true && document.readyState === 'complete'")
            except WebDriverError as e:
                # Asked while the documents change places.
                if "stale element" in str(e) or "no such window" in str(e) or "navigation" in str(e):
                    return False
                raise
        self.wait("the action led to no new page", PAGE_SECONDS, arrived, interval=0.2)

    def page(self):
        """What the page shows: status (of the navigation), h1s, the <dl> as a dict, its text, its path.

        A route the console does not have answers 404 with no body, which Chromium replaces
        with an error page of its own: error_page, and `missing` says so in words."""
        facts = self.driver.execute(PAGE_FACTS)
        url = urllib.parse.urlsplit(self.driver.url())
        facts["path"], facts["query"] = url.path, url.query
        facts["missing"] = (f"{url.path} answered {facts['status']} with no page (no such route in this binary)"
                            if facts["error_page"] else None)
        return facts

    def path(self):
        return urllib.parse.urlsplit(self.driver.url()).path

    def shot(self, name):
        path = self.driver.screenshot(os.path.join(self.shots, name))
        return path

    def wait(self, what, seconds, check, interval=1.0):
        """Polls check() until it returns something true; fails with `what` (a text, or a function
        giving it, called then) after `seconds`."""
        deadline = time.monotonic() + seconds
        last = None
        while True:
            try:
                result = check()
                if result:
                    return result
            except WebDriverError as e:
                last = e
            if time.monotonic() > deadline:
                what = what() if callable(what) else what
                raise Failure(f"{what} (waited {seconds} s{'; last WebDriver error: ' + str(last) if last else ''})")
            time.sleep(interval)

    def button(self, label):
        """The button whose text is `label`."""
        found = self.driver.find_all(f"//button[normalize-space()='{label}']", using="xpath")
        if not found:
            raise Failure(f"no button \"{label}\" on {self.path()}")
        return found[0]

    def submit(self, button):
        """Clicks a form's submit button and waits for the page it leads to. Returns the fields
        the browser's own validation (required, pattern, ...) refused, when it kept the form
        from being sent; an empty list when the form was sent."""
        self.driver.execute("window.__consoleBrowserSamePage = true")
        self.driver.click(button)

        def same_page():
            return self.driver.execute("return window.__consoleBrowserSamePage === true")

        if not same_page():
            self.settled()
            return []
        try:
            refused = self.driver.execute("""
                const f = arguments[0].form;
                return f && !f.noValidate && !f.checkValidity() ? [...f.elements].filter(e => e.willValidate && !e.checkValidity())
                  .map(e => '#' + e.id + ' (' + e.validationMessage + ')') : [];""", el(button))
        except WebDriverError as e:
            # The page went away between the two looks: the form was sent.
            if "stale element" not in str(e):
                raise
            refused = []
        if refused:
            return refused
        # chromedriver normally returns once the navigation a click starts has loaded; this
        # covers one it did not see begin.
        self.wait("the form's button was clicked, but no page came back", PAGE_SECONDS, lambda: not same_page(), interval=0.25)
        self.settled()
        return []

    def settled(self):
        """Waits until the current document has loaded."""
        self.wait("the page did not finish loading", PAGE_SECONDS,
                  lambda: self.driver.execute("return document.readyState === 'complete'"), interval=0.2)

    def fill(self, field, value):
        element = self.driver.find(f"#{field}")
        if self.driver.execute("return arguments[0].tagName", el(element)) == "SELECT":
            chosen = self.driver.execute("""
                const s = arguments[0];
                const o = [...s.options].find(o => o.value === arguments[1] || o.text.trim() === arguments[1]);
                if (!o) return false;
                s.value = o.value; s.dispatchEvent(new Event('change', {bubbles: true})); return true;""", el(element), value)
            if not chosen:
                raise Failure(f"#{field} has no option {value!r}")
            return
        self.driver.clear(element)
        if value:
            self.driver.send_keys(element, value)

    def value_of(self, field):
        return self.driver.property(self.driver.find(f"#{field}"), "value")

    def signed_in_as(self, token):
        """Signs in with a token through the sign-in form, unless already signed in."""
        if self.facts.get("signed_in") == token and self.go("/console")["path"] == "/console":
            return
        self.driver.delete_cookies()
        facts = self.go("/console/sign-in")
        self.driver.send_keys(self.driver.find("#token"), token)
        self.navigate(lambda: self.driver.click(self.button("Sign in")))
        facts = self.page()
        if facts["path"] != "/console":
            raise Failure(f"signing in went to {facts['path']}: {facts['text'][:300]}")
        self.facts["signed_in"] = token

    def audit(self, name, path=None):
        """Flow i's checks on the page as it stands, kept under `name`."""
        result = self.driver.execute(AUDIT)
        self.audits.append((name, path or self.path(), result["problems"]))
        self.audit_warnings.append((name, path or self.path(), result["warnings"]))
        return result["problems"]

    def maybe_audit(self, name, path=None):
        if "i" in self.only:
            self.audit(name, path)

    # --- flows -----------------------------------------------------------------------------
    def flow_a(self):
        """sign-in: /console sends to the sign-in page; the operator token signs in."""
        self.driver.delete_cookies()
        facts = self.go("/console")
        if facts["path"] != "/console/sign-in":
            raise Failure(f"GET /console without a session landed on {facts['path']}, not /console/sign-in")
        self.maybe_audit("sign-in")
        self.driver.send_keys(self.driver.find("#token"), self.token)
        self.navigate(lambda: self.driver.click(self.button("Sign in")))
        facts = self.page()
        if facts["path"] != "/console" or facts["h1"] != ["Overview"]:
            raise Failure(f"after signing in: {facts['path']}, h1 {facts['h1']}: {facts['text'][:300]}")
        self.facts["signed_in"] = self.token

    def system_row_status(self, name):
        return self.driver.execute("""
            for (const tr of document.querySelectorAll('tbody tr')) {
              const head = tr.querySelector('th, td');
              if (head && head.innerText.trim() === arguments[0]) {
                const cells = [...tr.querySelectorAll('td')];
                return cells.length ? cells[0].innerText.trim() : '';
              }
            }
            return null;""", name)

    def flow_b(self):
        """late file: the overview's row of sag-kbh turns overdue."""
        self.signed_in_as(self.token)
        seen = {}

        def overdue():
            self.go("/console")
            status = self.system_row_status("sag-kbh")
            seen["status"] = status
            return status and "overdue" in status

        self.wait(lambda: f"sag-kbh's row on the overview never said overdue (last: {seen.get('status')!r})", LATE_FILE_SECONDS, overdue, interval=3)
        say(f"  sag-kbh: {seen['status']}")
        say(f"  screenshot {self.shot('overview.png')}")
        self.maybe_audit("overview")

    def flow_c(self):
        """open the file: system page -> pickup page -> its alarm -> acknowledged with a note."""
        self.signed_in_as(self.token)
        self.go("/console/systems/sag-kbh")
        self.maybe_audit("system")
        links = self.driver.execute("""
            const h = [...document.querySelectorAll('h2')].find(h => h.innerText.trim() === 'Files awaiting pickup');
            let n = h && h.nextElementSibling;
            while (n && n.tagName !== 'TABLE' && n.tagName !== 'H2') n = n.nextElementSibling;
            if (!n || n.tagName !== 'TABLE') return {table: false, links: []};
            return {table: true, links: [...n.querySelectorAll('a[href^="/console/pickups/"]')].map(a => [a.innerText.trim(), a.getAttribute('href')]),
                    first: (n.querySelector('tbody td') || {}).innerText};""")
        if not links["table"]:
            raise Failure("/console/systems/sag-kbh has no \"Files awaiting pickup\" table")
        if not links["links"]:
            raise Failure(f"the \"Files awaiting pickup\" table of /console/systems/sag-kbh links no file to /console/pickups/{{id}} "
                          f"(its first cell: {links.get('first')!r})")
        name, href = links["links"][0]
        if not re.fullmatch(r"/console/pickups/\d+", href):
            raise Failure(f"the file's link is {href}, not /console/pickups/{{id}}")
        self.navigate(lambda: self.driver.click(self.driver.find(f'a[href="{href}"]')))
        facts = self.page()
        if facts["path"] != href:
            raise Failure(f"following {name}'s link landed on {facts['path']}, not {href}")
        if len(facts["h1"]) != 1 or not facts["h1"][0].startswith("File "):
            raise Failure(f"the pickup page's h1 is {facts['h1']}, not one starting \"File \"")
        missing = [dt for dt in ("Delivered", "Deadline", "Collected") if dt not in facts["dl"]]
        if missing:
            raise Failure(f"the pickup page's <dl> lacks {missing} (has {list(facts['dl'])})")
        say(f"  {facts['h1'][0]}: delivered {facts['dl']['Delivered']}, deadline {facts['dl']['Deadline']}, collected {facts['dl']['Collected']}")
        say(f"  screenshot {self.shot('pickup.png')}")
        self.maybe_audit("pickup")

        # The file is overdue (flow b's wait, or this one): the pickup page links its alarm.
        def alarm_link():
            found = self.driver.find_all('a[href^="/console/alarms/"]')
            if not found:
                self.driver.refresh()
            return found[0] if found else None

        link = self.wait(f"the pickup page {href} never linked an alarm (a[href^=\"/console/alarms/\"])", LATE_FILE_SECONDS, alarm_link, interval=3)
        alarm = self.driver.attribute(link, "href")
        self.navigate(lambda: self.driver.click(link))
        facts = self.page()
        if not re.fullmatch(r"/console/alarms/\d+", facts["path"]):
            raise Failure(f"the alarm link {alarm} landed on {facts['path']}")
        self.maybe_audit("alarm")
        if facts["dl"].get("Acknowledged", "no") != "no":
            raise Failure(f"the alarm {facts['path']} was acknowledged before this flow: {facts['dl'].get('Acknowledged')}")
        note = "Looked at by the browser test; the receiver is told."
        self.driver.send_keys(self.driver.find("#note"), note)
        self.navigate(lambda: self.driver.click(self.button("Acknowledge")))
        facts = self.page()
        acknowledged = facts["dl"].get("Acknowledged", "")
        if "by console:operator" not in acknowledged:
            raise Failure(f"after Acknowledge, {facts['path']} shows Acknowledged {acknowledged!r}, not \"... by console:operator\"")
        if note not in facts["text"]:
            say(f"  (the note is not shown on {facts['path']}; the history may not carry it)")
        say(f"  {facts['path']}: acknowledged {acknowledged}")

    CHANGE_FIELDS = ["system", "order_id", "pattern", "collect_within", "deadline", "warning_before", "repeat_every",
                     "signal", "moved_to", "retention", "at", "reason"]

    def change_form(self):
        facts = self.go("/console/changes/new?system=sag-kbh")
        if facts["missing"]:
            raise Failure(facts["missing"])
        if facts["path"] != "/console/changes/new":
            raise Failure(f"GET /console/changes/new?system=sag-kbh landed on {facts['path']}")
        if facts["status"] == 404 or facts["h1"] == ["Not found"] or not self.driver.find_all("form"):
            raise Failure(f"GET /console/changes/new?system=sag-kbh answered {facts['status']} with no form: {facts['text'][:200]!r}")
        missing = [f for f in self.CHANGE_FIELDS if not self.driver.find_all(f"#{f}[name={f}]")]
        if missing:
            raise Failure(f"the change form lacks the fields {missing} (input/select with id = name)")
        return facts

    def api(self, path):
        status, body = http_status(self.base + path, {"Authorization": f"Bearer {self.token}"})
        if status != 200:
            raise Failure(f"GET {path} answered {status}: {body[:300]!r}")
        return json.loads(body)

    def flow_d(self):
        """order a monitoring change: every error at once beside its field, then a valid order carried out."""
        self.signed_in_as(self.token)
        self.change_form()
        if self.value_of("system") != "sag-kbh":
            raise Failure(f"?system=sag-kbh did not choose sag-kbh in #system (it is {self.value_of('system')!r})")
        typed = {"order_id": "", "pattern": "D*", "collect_within": "2h", "deadline": "08:00 next business day",
                 "reason": "the browser test: two errors at once"}
        for field, value in typed.items():
            self.fill(field, value)
        refused = self.submit(self.button("Order the change"))
        if refused:
            # Good in a browser, but the server's messages are what this flow is about.
            say(f"  (the browser's own validation kept the order from being sent: {'; '.join(refused)}; "
                "sent again with the form's novalidate set, to see the server's answer)")
            self.driver.execute("arguments[0].form.noValidate = true", el(self.button("Order the change")))
            if self.submit(self.button("Order the change")):
                raise Failure("the form was not sent even with novalidate")
        facts = self.page()
        if facts["status"] != 422:
            raise Failure(f"an invalid order answered {facts['status']} on {facts['path']}, not 422: {facts['text'][:300]!r}")
        errors = self.driver.execute("""
            return [...document.querySelectorAll('.field-error')].filter(e => e.innerText.trim()).map(e => {
              const field = e.closest('.field');
              const control = field && field.querySelector('input, select, textarea');
              return {id: e.id, text: e.innerText.trim(), field: !!field, control: control ? control.id : null,
                      described: control ? (control.getAttribute('aria-describedby') || '').split(/\\s+/).includes(e.id) : false,
                      invalid: control ? control.getAttribute('aria-invalid') : null};
            });""")
        summary = self.driver.find_all("[role=alert]")
        problems = []
        if len(errors) < 2:
            problems.append(f"{len(errors)} .field-error message(s), want at least two at once: {errors}")
        for e in errors:
            if not e["field"] or not e["control"]:
                problems.append(f".field-error {e['id'] or '(no id)'} \"{e['text']}\" is not inside a .field div with its input")
        ids = {e["id"] for e in errors}
        if "order_id-error" not in ids:
            problems.append(f"no #order_id-error (the empty order id); errors: {sorted(ids)}")
        if not ids & {"collect_within-error", "deadline-error"}:
            problems.append(f"no #collect_within-error or #deadline-error (both given); errors: {sorted(ids)}")
        if not summary:
            problems.append("no summary [role=alert]")
        kept = {f: self.value_of(f) for f in typed}
        lost = {f: (v, kept[f]) for f, v in typed.items() if kept[f] != v}
        if lost:
            problems.append(f"the form did not keep what was typed (typed, now): {lost}")
        say(f"  screenshot {self.shot('change-form.png')}")
        self.maybe_audit("change form with errors", f"{facts['path']} (the POST's answer)")
        if problems:
            raise Failure("; ".join(problems))
        for e in errors:
            say(f"  #{e['id']}: {e['text']}")
            if not e["described"]:
                say(f"  (note: #{e['control']} has no aria-describedby naming #{e['id']}, so a screen reader does not read the error with the field)")

        order_id = f"B-BROWSER-{secrets.token_hex(3).upper()}" if self.facts.get("ordered") else "B-BROWSER-1"
        for field, value in {"order_id": order_id, "pattern": "D*", "collect_within": "2h", "deadline": "",
                             "warning_before": "30m", "reason": "the browser test orders a monitoring change"}.items():
            self.fill(field, value)
        refused = self.submit(self.button("Order the change"))
        if refused:
            raise Failure(f"the browser would not send the valid order: {'; '.join(refused)}")
        facts = self.page()
        if not re.fullmatch(r"/console/changes/\d+", facts["path"]):
            raise Failure(f"a valid order landed on {facts['path']} ({facts['status']}), not /console/changes/{{id}}: {facts['text'][:400]!r}")
        self.facts["ordered"] = order_id
        change_path = facts["path"]
        seen = {}

        def carried_out():
            self.driver.refresh()
            items = self.driver.execute("return [...document.querySelectorAll('ol.timeline li')].map(li => li.innerText.trim())")
            seen["items"] = items
            return any(re.search(r"verified|carried out", i, re.I) for i in items)

        self.wait(lambda: f"{change_path}'s ol.timeline never listed a receipt saying verified or carried out (it lists {seen.get('items')})",
                  PROGRESS_SECONDS, carried_out, interval=3)
        say(f"  {change_path} ({order_id}): " + " / ".join(seen["items"]))
        self.maybe_audit("change order")
        if any(re.search(r"\bfailed\b|rolled back", i, re.I) for i in seen["items"]):
            raise Failure(f"{change_path} was carried out, then failed or was rolled back: {seen['items']}")

    def flow_e(self):
        """run now: an extract run from /console/runs, followed until it is produced."""
        self.signed_in_as(self.token)
        facts = self.go("/console/runs")
        if facts["missing"]:
            raise Failure(facts["missing"])
        if facts["status"] == 404 or facts["h1"] == ["Not found"]:
            raise Failure(f"GET /console/runs answered {facts['status']}: {facts['text'][:200]!r}")
        self.maybe_audit("runs")
        labels = self.driver.execute("""
            return [...document.querySelectorAll('form button[aria-label]')].map(b => b.getAttribute('aria-label'))
              .filter(l => /^Run \\S+ now$/.test(l));""")
        if not labels:
            raise Failure("/console/runs has no button with aria-label \"Run EXTRACT now\"")
        # A CPR extract of esdh-aarhus (it replaces an existing file) when there is one, else a CPR one, else the first.
        label = next((l for l in labels if l == "Run cpr-aarhus-changes now"), None) or \
            next((l for l in labels if l.startswith("Run cpr")), labels[0])
        self.navigate(lambda: self.driver.click(self.driver.find(f'button[aria-label="{label}"]')))
        facts = self.page()
        if not re.fullmatch(r"/console/runs/\d+", facts["path"]):
            raise Failure(f"{label!r} landed on {facts['path']} ({facts['status']}): {facts['text'][:300]!r}")
        run_path = facts["path"]
        seen = {}

        def produced():
            self.driver.refresh()
            state = self.driver.execute("const e = document.getElementById('run-state'); return e ? e.innerText.trim() : null;")
            seen["state"] = state
            # The run's good end is produced (ExtractRunState's: the file is in the outbox);
            # refused, failed, skipped and cancelled end it without a file.
            if state and re.search(r"refused|failed|skipped|cancel", state, re.I):
                raise Failure(f"{run_path}: #run-state reads {state!r}")
            return state == "produced"

        self.wait(lambda: f"{run_path}'s #run-state never read produced (last: {seen.get('state')!r})", RUN_SECONDS, produced, interval=3)
        say(f"  {label}: {run_path} {seen['state']}")
        self.maybe_audit("run")

    def flow_f(self):
        """sign out: the button, then /console is the sign-in page again."""
        self.signed_in_as(self.token)
        self.navigate(lambda: self.driver.click(self.button("Sign out")))
        facts = self.page()
        if facts["path"] != "/console/sign-in":
            raise Failure(f"Sign out landed on {facts['path']}, not /console/sign-in")
        self.facts.pop("signed_in", None)
        facts = self.go("/console")
        if facts["path"] != "/console/sign-in":
            raise Failure(f"after signing out GET /console landed on {facts['path']}, not /console/sign-in")

    def flow_g(self):
        """municipality scope: Aarhus's signatory sees esdh-aarhus, not København's sag-kbh."""
        self.signed_in_as(self.municipality_token)
        problems = []
        facts = self.go("/console")
        if facts["h1"] != ["Overview"]:
            problems.append(f"the overview's h1 is {facts['h1']}")
        if "sag-kbh" in facts["text"]:
            problems.append("the overview mentions sag-kbh (København's system)")
        if "esdh-aarhus" not in facts["text"]:
            problems.append("the overview does not list esdh-aarhus")
        facts = self.go("/console/systems/sag-kbh")
        if facts["h1"] != ["Not found"]:
            problems.append(f"/console/systems/sag-kbh shows h1 {facts['h1']}, not \"Not found\"")
        if facts["status"] not in (404, None):
            problems.append(f"/console/systems/sag-kbh answered {facts['status']}, not 404")
        facts = self.go("/console/systems/esdh-aarhus")
        self.maybe_audit("system (municipality)")
        if len(facts["h1"]) != 1 or "esdh-aarhus" not in facts["h1"][0]:
            problems.append(f"/console/systems/esdh-aarhus shows h1 {facts['h1']}")
        facts = self.go("/console/agreements")
        if not facts["missing"]:
            self.maybe_audit("agreements (municipality)")
        if facts["missing"]:
            problems.append(facts["missing"])
        elif facts["status"] == 404:
            problems.append(f"GET /console/agreements answered 404 (h1 {facts['h1']}, text {facts['text'][:120]!r})")
        elif "esdh-aarhus" not in facts["text"]:
            problems.append(f"/console/agreements does not list esdh-aarhus's agreement (h1 {facts['h1']})")
        elif "sag-kbh" in facts["text"]:
            problems.append("/console/agreements shows sag-kbh's agreements to Aarhus's signatory")
        if problems:
            raise Failure("; ".join(problems))
        self.facts.pop("signed_in", None)
        self.driver.delete_cookies()

    def refused_without_csrf(self, form_selector):
        """Removes the form's csrf input, submits the form; the page must say so."""
        form = self.driver.find(form_selector)
        removed = self.driver.execute("""
            const f = arguments[0]; const i = f.querySelector('input[name=csrf]');
            if (!i) return false; i.remove(); return true;""", el(form))
        if not removed:
            raise Failure(f"{form_selector} on {self.path()} has no hidden input[name=csrf]")
        buttons = self.driver.find_all("button[type=submit], button:not([type]), input[type=submit]", parent=form)
        if buttons:
            self.navigate(lambda: self.driver.click(buttons[0]))
        else:
            self.navigate(lambda: self.driver.execute("arguments[0].submit()", el(form)))
        facts = self.page()
        if "security token" not in facts["text"]:
            raise Failure(f"a form without its csrf field landed on {facts['path']} ({facts['status']}) without a word of the security token: {facts['text'][:300]!r}")
        if facts["status"] not in (403, None):
            raise Failure(f"a form without its csrf field answered {facts['status']}, not 403")
        return facts

    def flow_h(self):
        """CSRF: a form sent without its security token is refused and does nothing."""
        self.signed_in_as(self.token)
        seen = {}

        def open_alarm():
            # An open alarm nobody acknowledged: the late file's (flow b's wait), on the alarms list.
            self.go("/console/alarms")
            hrefs = self.driver.execute("""
                const h = [...document.querySelectorAll('h2')].find(h => h.innerText.trim() === 'Open');
                let n = h && h.nextElementSibling;
                while (n && n.tagName !== 'TABLE' && n.tagName !== 'H2') n = n.nextElementSibling;
                return n && n.tagName === 'TABLE' ? [...n.querySelectorAll('a[href^="/console/alarms/"]')].map(a => a.getAttribute('href')) : [];""")
            seen["hrefs"] = hrefs
            for href in hrefs:
                facts = self.go(href)
                if facts["dl"].get("Acknowledged") == "no" and self.driver.find_all("form[action$='/acknowledge']"):
                    return href
            return None

        alarm = self.wait(lambda: f"no open, unacknowledged alarm with an Acknowledge form on /console/alarms (open: {seen.get('hrefs')})",
                          LATE_FILE_SECONDS, open_alarm, interval=3)
        self.maybe_audit("alarm")
        self.driver.send_keys(self.driver.find("#note"), "sent without the form's security token")
        self.refused_without_csrf("form[action$='/acknowledge']")
        facts = self.go(alarm)
        if facts["dl"].get("Acknowledged") != "no":
            raise Failure(f"the refused acknowledgement was done anyway: {alarm} shows Acknowledged {facts['dl'].get('Acknowledged')!r}")
        say(f"  {alarm}: acknowledging without the token refused, still unacknowledged")

        # The change form too, where the console has it.
        facts = self.go("/console/changes/new?system=sag-kbh")
        if facts["missing"] or facts["status"] == 404 or not self.driver.find_all("form[action^='/console/changes']"):
            say("  (no change form at /console/changes/new yet: only the alarm's form was tried)")
            return
        order_id = f"B-CSRF-{secrets.token_hex(3).upper()}"
        for field, value in {"order_id": order_id, "pattern": "D*", "collect_within": "3h", "reason": "no token"}.items():
            self.fill(field, value)
        self.refused_without_csrf("form[action^='/console/changes']")
        orders = self.api("/api/v1/changes?system=sag-kbh&limit=1000").get("changes", [])
        if any(o.get("order_id") == order_id for o in orders):
            raise Failure(f"the change order {order_id} sent without the security token was recorded anyway")
        say(f"  /console/changes/new: ordering without the token refused, no order {order_id}")

    def flow_i(self):
        """accessibility: keyboard sign-in, then labels, headings and contrast of every page."""
        self.driver.delete_cookies()
        self.facts.pop("signed_in", None)
        self.go("/console/sign-in")
        self.audit("sign-in")
        # Keyboard only: from the top of the page, TAB until the token field has the focus.
        self.driver.execute("document.activeElement && document.activeElement.blur(); window.focus(); document.body.focus();")
        for presses in range(1, 11):
            self.driver.keys(TAB)
            if self.driver.execute("return document.activeElement && document.activeElement.id") == "token":
                break
        else:
            raise Failure("ten TAB presses on the sign-in page never reached #token")
        self.navigate(lambda: self.driver.keys(self.token + ENTER))
        facts = self.wait("the keyboard sign-in (TAB, the token, Enter) did not land on the overview",
                          PAGE_SECONDS, lambda: (lambda f: f if f["path"] == "/console" else None)(self.page()), interval=0.5)
        if facts["h1"] != ["Overview"]:
            raise Failure(f"the keyboard sign-in landed on {facts['path']} with h1 {facts['h1']}")
        self.facts["signed_in"] = self.token
        say(f"  keyboard sign-in: {presses} TAB, the token, Enter -> /console")
        self.audit("overview")

        missing = []

        def visit(name, path):
            facts = self.go(path)
            if facts["missing"] or facts["status"] == 404 or facts["h1"] == ["Not found"]:
                missing.append(f"{name} ({path}: {facts['status']})")
                return None
            self.audit(name)
            return facts

        visit("system", "/console/systems/sag-kbh")
        pickup = self.driver.find_all('a[href^="/console/pickups/"]')
        pickup_href = self.driver.attribute(pickup[0], "href") if pickup else None
        alarms = self.driver.find_all('a[href^="/console/alarms/"]')
        alarm_href = self.driver.attribute(alarms[0], "href") if alarms else None
        if pickup_href:
            visit("pickup", urllib.parse.urlsplit(pickup_href).path)
        else:
            missing.append("pickup (no link to /console/pickups/ on /console/systems/sag-kbh)")
        visit("alarms", "/console/alarms")
        if not alarm_href:
            found = self.driver.find_all('a[href^="/console/alarms/"]')
            alarm_href = self.driver.attribute(found[0], "href") if found else None
        if alarm_href:
            visit("alarm", urllib.parse.urlsplit(alarm_href).path)
        else:
            missing.append("alarm (none listed)")
        visit("change form", "/console/changes/new?system=sag-kbh")
        visit("runs", "/console/runs")
        visit("agreements", "/console/agreements")
        # And every other page the console's navigation leads to.
        self.go("/console")
        for href in self.driver.execute("return [...document.querySelectorAll('nav a[href^=\"/console\"]')].map(a => a.getAttribute('href'))"):
            if not any(path == href for _, path, _ in self.audits):
                visit(href.rsplit("/", 1)[-1] or "console", href)

        offenders = []
        for name, path, problems in self.audits:
            offenders += [f"{name} {path}: {p}" for p in problems if f"{name} {path}: {p}" not in offenders]
        pages = []
        for name, path, _ in self.audits:
            pages += [f"{name} ({path})"] if f"{name} ({path})" not in pages else []
        say(f"  checked: {', '.join(pages)}")
        if missing:
            say(f"  not there yet, so not checked: {'; '.join(missing)}")
        # Warnings, once per kind of problem (the same outline recurs on every page).
        shown = {}
        for name, path, warnings in self.audit_warnings:
            for kind, element in warnings:
                where = shown.setdefault(kind, {})
                where.setdefault(element, []).append(path)
        for kind, where in shown.items():
            items = [f"{element} ({', '.join(sorted(set(paths)))})" for element, paths in sorted(where.items())]
            say(f"  warning: {kind}: {'; '.join(items[:8])}{f'; and {len(items) - 8} more' if len(items) > 8 else ''}")
        if offenders:
            raise Failure(f"{len(offenders)} accessibility problem(s):\n    " + "\n    ".join(offenders))

    # --- running the flows -----------------------------------------------------------------
    def run_flows(self):
        for letter in ORDER:
            if letter not in self.only:
                continue
            flow = getattr(self, f"flow_{letter}")
            name = f"{letter} ({flow.__doc__.split(':')[0].strip()})"
            started = time.monotonic()
            try:
                flow()
            except (Failure, WebDriverError) as e:
                self.failed.append(letter)
                say(f"FAILED {name}: {e}")
                try:
                    say(f"  at {self.driver.url()}; screenshot {self.shot(f'failed-{letter}.png')}")
                except (WebDriverError, OSError) as shot_error:
                    say(f"  (no screenshot: {shot_error})")
                if isinstance(e, WebDriverError):
                    traceback.print_exc(limit=4)
            else:
                self.passed.append(letter)
                say(f"ok {name} ({time.monotonic() - started:.0f} s)")
            if self.serve and self.serve.poll() is not None:
                self.failed.append("serve")
                say(f"serve exited {self.serve.returncode} during flow {letter}")
                break


def main():
    parser = argparse.ArgumentParser(description="The operator console in a real browser (headless Chromium over WebDriver).")
    parser.add_argument("--bin", required=True, help="the udtraek binary (e.g. .build/debug/udtraek)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (state, logs, screenshots)")
    parser.add_argument("--screenshots", help="where the screenshots go (default TMP/screenshots)")
    parser.add_argument("--only", default=FLOWS, help=f"the flows to run, e.g. a,b,f (default all: {','.join(FLOWS)})")
    parser.add_argument("--chromium", help="the Chromium binary (default: chromium on PATH)")
    parser.add_argument("--chromedriver", help="the chromedriver binary (default: chromedriver on PATH)")
    args = parser.parse_args()
    only = set(args.only.replace(",", "").replace(" ", ""))
    if not only or only - set(FLOWS):
        parser.error(f"--only takes letters of {','.join(FLOWS)}, e.g. --only a,b,f")
    args.only = only

    if not os.path.isfile(args.bin) or not os.access(args.bin, os.X_OK):
        say(f"FAILED: no udtraek binary at {args.bin} (build it: swift build --product udtraek)")
        return 1
    harness = Harness(args)
    # SIGTERM (make's, a CI's) goes through the same cleanup as an exception.
    def interrupted(*_):
        raise KeyboardInterrupt()
    signal.signal(signal.SIGTERM, interrupted)
    result = 1
    try:
        harness.start_browser()
        harness.setup()
        say(f"flows {','.join(l for l in ORDER if l in only)}; screenshots in {harness.shots}")
        harness.run_flows()
        elapsed = time.monotonic() - harness.started
        if harness.failed:
            say(f"serve's log ({harness.serve_log}), last lines:\n{tail(harness.serve_log)}")
            say(f"FAILED: {', '.join(harness.failed)}; passed: {', '.join(harness.passed) or 'none'} ({elapsed:.0f} s)")
        else:
            say(f"passed: {', '.join(harness.passed)} ({elapsed:.0f} s)")
            result = 0
    except Skip as e:
        say(f"SKIPPED: {e}")
        result = 0
    except Failure as e:
        harness.failed.append("setup")
        say(f"FAILED: {e}")
        if harness.serve:
            say(f"serve's log ({harness.serve_log}), last lines:\n{tail(harness.serve_log)}")
        if harness.driver and harness.driver.session:
            try:
                say(f"screenshot {harness.shot('failed-setup.png')}")
            except (WebDriverError, OSError):
                pass
    except KeyboardInterrupt:
        harness.failed.append("interrupted")
        say("interrupted")
        result = 130
    except Exception:  # noqa: BLE001 - a bug of this script: still clean up, still fail
        harness.failed.append("harness")
        traceback.print_exc()
        if harness.serve:
            say(f"serve's log ({harness.serve_log}), last lines:\n{tail(harness.serve_log)}")
    finally:
        harness.cleanup()
    return result


if __name__ == "__main__":
    sys.exit(main())
