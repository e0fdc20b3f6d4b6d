#!/usr/bin/python3
"""The staff console in a real browser: headless Chromium driven by Selenium (Debian's chromium,
chromium-driver, python3-selenium), for tests/e2e/test_web_console.sh.

Each subcommand does one scenario and exits 0 when every assertion held; a failed assertion
prints "web_console: <what>" on stderr and exits 1. Screenshots go where the test says (they
are for a reviewer; nothing checks pixels).

  login URL LOGIN PASSWORD SHOT [TEXT...]  logs on through the form, expects the dashboard with
                                           every TEXT on it, saves SHOT, logs out through the
                                           header's button and expects the logon page again
  refused URL LOGIN PASSWORD SHOT          logs on with a wrong password or a locked login:
                                           the logon page again with the one error message
  absent URL LOGIN PASSWORD TEXT...        logs on; none of TEXT is on the dashboard
  forged-post URL LOGIN PASSWORD           logs on, then POSTs /logout with the browser's
                                           cookie but without the CSRF token (as another site's
                                           form would): 403, and the login session still works
  permit URL LOGIN PASSWORD ID ACTION REASON SHOT [TEXT...]
                                           logs on, opens permit ID, fills the reason (and a
                                           due date a week ahead for "order") and presses the
                                           ACTION button; expects "recorded", every TEXT on the
                                           page, and saves SHOT
  page URL LOGIN PASSWORD PATH SHOT [TEXT...]  logs on, opens PATH, expects every TEXT, saves SHOT
  click URL LOGIN PASSWORD CSS SHOT [TEXT...]  logs on, presses the dashboard's first button
                                           matching CSS, expects the dashboard with every TEXT
  note URL LOGIN PASSWORD ID NOTE SHOT     logs on, writes NOTE on session ID's page (作業内容),
                                           expects "recorded" and the note among its rows
  apply URL LOGIN PASSWORD VENDOR SYSTEM FROM TO CFROM CTO SHOT TEXT
                                           logs on, fills Form 1 (Table 1, every item ticked)
                                           from the permit list's link and submits; expects
                                           TEXT on the page that follows (the new permit's
                                           state, or a rule's explanation)
  no-button URL LOGIN PASSWORD ID ACTION   logs on, opens permit ID: no ACTION button there
  missing URL LOGIN PASSWORD PATH          logs on, opens PATH: "no such page" (404)
  post-as URL LOGIN PASSWORD PATH STATUS FIELD=VALUE...
                                           logs on, then POSTs PATH with the session's cookie
                                           and its real CSRF token (as a crafted request from a
                                           logged-on reader would): expects STATUS
  get-as URL LOGIN PASSWORD PATH STATUS OUT  logs on, then GETs PATH with the session's cookie;
                                           expects STATUS and writes the body to OUT
  headers URL                              the logon page's headers: CSP without script or
                                           inline styles, no framing, cookies Secure, HttpOnly,
                                           SameSite=Strict
  tour URL LOGIN PASSWORD STEP...          logs on once and takes the steps in one browser:
      see PATH SHOT TEXTS                  opens PATH, expects each of TEXTS ('|' between them)
      lack PATH TEXTS                      opens PATH, expects none of TEXTS
      missing PATH                         opens PATH: "no such page"
      menu HAS LACKS                       the dashboard's menu links (ids, ',' between them,
                                           '-' for none): those of HAS present, of LACKS absent
      post PATH STATUS FIELDS              POSTs FIELDS (a=b&c=d) with the session's cookie and
                                           its real CSRF token: expects STATUS
  admin URL LOGIN PASSWORD SHOTDIR SYSTEM PIN LOCKED
                                           the administration pages as the admin, in one
                                           browser: adds section 福祉課, vendors Beta Systems and
                                           its subcontractor Beta Sub, system SYSTEM (first with
                                           a bad CIDR: the error inline, the typed values kept;
                                           then right), sets its networks and PIN, adds account
                                           beta1 (first with passwords that differ: no password
                                           written back), disables and enables it, unlocks
                                           LOCKED, adds applicant suzuki of 福祉課
"""
import contextlib
import http.client
import ssl
import sys
import urllib.parse

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait


def fail(what):
    sys.stderr.write("web_console: %s\n" % what)
    sys.exit(1)


def browser():
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--ignore-certificate-errors", "--window-size=1280,1000", "--lang=ja"):
        opts.add_argument(arg)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)


def log_on(drv, url, login, password):
    drv.get(url + "/login")
    WebDriverWait(drv, 30).until(EC.presence_of_element_located((By.ID, "login")))
    drv.find_element(By.ID, "login").send_keys(login)
    drv.find_element(By.ID, "password").send_keys(password)
    drv.find_element(By.ID, "submit").click()


def on_dashboard(drv):
    try:
        WebDriverWait(drv, 30).until(EC.title_contains("ダッシュボード"))
    except Exception:
        fail("expected the dashboard, got %r at %s" % (drv.title, drv.current_url))


@contextlib.contextmanager
def logged_on(url, login, password):
    """A browser logged on as LOGIN, on its dashboard; closed afterwards whatever happens."""
    drv = browser()
    try:
        log_on(drv, url, login, password)
        on_dashboard(drv)
        yield drv
    finally:
        drv.quit()


def session_of(url, login, password):
    """The session cookie and CSRF token of a fresh logon (the browser is closed again)."""
    with logged_on(url, login, password) as drv:
        cookie = drv.get_cookie("rmgate_session")["value"]
        csrf = drv.find_element(By.CSS_SELECTOR, "form[action='/logout'] input[name='csrf']").get_attribute("value")
    return cookie, csrf


def scenario_login(url, login, password, shot, *texts):
    with logged_on(url, login, password) as drv:
        body = drv.find_element(By.TAG_NAME, "body").text
        for t in texts:
            if t not in body:
                fail("dashboard of %s lacks %r" % (login, t))
        drv.save_screenshot(shot)
        drv.find_element(By.ID, "logout").click()
        WebDriverWait(drv, 30).until(EC.title_contains("ログイン"))
        drv.get(url + "/")
        WebDriverWait(drv, 30).until(EC.title_contains("ログイン"))  # the session is over


def scenario_refused(url, login, password, shot):
    drv = browser()
    try:
        log_on(drv, url, login, password)
        WebDriverWait(drv, 30).until(EC.presence_of_element_located((By.ID, "error")))
        msg = drv.find_element(By.ID, "error").text
        if "ログイン名またはパスワードが正しくないか" not in msg:
            fail("unexpected error text %r" % msg)
        if "ダッシュボード" in drv.title:
            fail("a refused logon reached the dashboard")
        drv.save_screenshot(shot)
    finally:
        drv.quit()


def scenario_absent(url, login, password, *texts):
    with logged_on(url, login, password) as drv:
        body = drv.find_element(By.TAG_NAME, "body").text
        for t in texts:
            if t in body:
                fail("dashboard of %s shows %r" % (login, t))


def https(url):
    parts = urllib.parse.urlsplit(url)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # the console's own self-signed certificate
    return http.client.HTTPSConnection(parts.hostname, parts.port, context=ctx, timeout=30)


def scenario_forged_post(url, login, password):
    with logged_on(url, login, password) as drv:
        cookie = drv.get_cookie("rmgate_session")
        if not cookie:
            fail("no rmgate_session cookie after logon")
        conn = https(url)
        conn.request("POST", "/logout", body="", headers={
            "Cookie": "rmgate_session=" + cookie["value"],
            "Content-Type": "application/x-www-form-urlencoded"})
        status = conn.getresponse().status
        if status != 403:
            fail("POST /logout without a CSRF token answered %d, not 403" % status)
        drv.get(url + "/")
        on_dashboard(drv)  # still logged on: the forged request changed nothing


def scenario_headers(url):
    conn = https(url)
    conn.request("GET", "/login")
    resp = conn.getresponse()
    csp = resp.getheader("Content-Security-Policy") or ""
    if "default-src 'none'" not in csp or "script-src" in csp or "unsafe-inline" in csp:
        fail("Content-Security-Policy %r" % csp)
    if resp.getheader("X-Frame-Options") != "DENY" or "frame-ancestors 'none'" not in csp:
        fail("the console may be framed")
    if "no-store" not in (resp.getheader("Cache-Control") or ""):
        fail("pages may be cached")
    cookies = resp.msg.get_all("Set-Cookie") or []
    if not cookies:
        fail("the logon page sets no cookie for its form")
    for c in cookies:
        for flag in ("Secure", "HttpOnly", "SameSite=Strict"):
            if flag not in c:
                fail("cookie %r lacks %s" % (c, flag))
    body = resp.read().decode("utf-8")
    if "<script" in body:
        fail("the logon page carries a script")


def scenario_permit(url, login, password, permit, action, reason, shot, *texts):
    import datetime
    with logged_on(url, login, password) as drv:
        drv.get("%s/permits/%s" % (url, permit))
        WebDriverWait(drv, 30).until(EC.presence_of_element_located((By.ID, "permit")))
        if reason != "-":
            drv.find_element(By.ID, "reason-" + action).send_keys(reason)
        if action == "order":
            due = datetime.date.today() + datetime.timedelta(days=7)
            field = drv.find_element(By.ID, "due-order")
            field.send_keys(due.isoformat())
        drv.find_element(By.ID, "do-" + action).click()
        try:
            WebDriverWait(drv, 30).until(EC.presence_of_element_located((By.ID, "done")))
        except Exception:
            err = drv.find_elements(By.ID, "error")
            fail("%s on permit %s was not recorded: %s" % (action, permit, err[0].text if err else drv.title))
        body = drv.find_element(By.TAG_NAME, "body").text
        for t in texts:
            if t not in body:
                fail("permit %s page lacks %r after %s" % (permit, t, action))
        drv.save_screenshot(shot)


def scenario_page(url, login, password, path, shot, *texts):
    with logged_on(url, login, password) as drv:
        drv.get(url + path)
        WebDriverWait(drv, 30).until(EC.presence_of_element_located((By.TAG_NAME, "main")))
        body = drv.find_element(By.TAG_NAME, "body").text
        for t in texts:
            if t not in body:
                fail("%s as %s lacks %r" % (path, login, t))
        drv.save_screenshot(shot)


def scenario_click(url, login, password, css, shot, *texts):
    with logged_on(url, login, password) as drv:
        buttons = drv.find_elements(By.CSS_SELECTOR, css)
        if not buttons:
            fail("no %s on the dashboard of %s" % (css, login))
        buttons[0].click()
        on_dashboard(drv)
        body = drv.find_element(By.TAG_NAME, "body").text
        for t in texts:
            if t not in body:
                fail("after %s the dashboard lacks %r" % (css, t))
        drv.save_screenshot(shot)


def scenario_note(url, login, password, session, note, shot):
    with logged_on(url, login, password) as drv:
        drv.get("%s/sessions/%s" % (url, session))
        WebDriverWait(drv, 30).until(EC.presence_of_element_located((By.ID, "note")))
        drv.find_element(By.ID, "note").send_keys(note)
        drv.find_element(By.ID, "save-note").click()
        WebDriverWait(drv, 30).until(EC.presence_of_element_located((By.ID, "done")))
        if note not in drv.find_element(By.ID, "events").text:
            fail("the note is not among session %s's rows" % session)
        drv.save_screenshot(shot)


def scenario_apply(url, login, password, vendor, system, frm, to, cfrom, cto, shot, text):
    from selenium.webdriver.support.ui import Select
    with logged_on(url, login, password) as drv:
        drv.get(url + "/permits")
        drv.find_element(By.ID, "apply").click()
        WebDriverWait(drv, 30).until(EC.presence_of_element_located((By.ID, "application")))
        Select(drv.find_element(By.ID, "vendor")).select_by_value(vendor)
        Select(drv.find_element(By.ID, "system")).select_by_value(system)
        drv.find_element(By.ID, "purpose").send_keys("定期保守（画面から申請）")
        for field, value in (("from", frm), ("to", to), ("contract-from", cfrom), ("contract-to", cto)):
            drv.find_element(By.ID, field).send_keys(value)
        drv.find_element(By.ID, "table1").click()
        for box in drv.find_elements(By.CSS_SELECTOR, "input[name='confirm'][value^='1:']"):
            box.click()
        drv.find_element(By.ID, "submit-application").click()
        WebDriverWait(drv, 30).until(EC.presence_of_element_located((By.TAG_NAME, "main")))
        body = drv.find_element(By.TAG_NAME, "body").text
        if text not in body:
            fail("after applying, the page lacks %r: %s" % (text, body[:300]))
        drv.save_screenshot(shot)


def scenario_no_button(url, login, password, permit, action):
    with logged_on(url, login, password) as drv:
        drv.get("%s/permits/%s" % (url, permit))
        WebDriverWait(drv, 30).until(EC.presence_of_element_located((By.ID, "actions")))
        if drv.find_elements(By.ID, "do-" + action):
            fail("%s sees the %s button on permit %s" % (login, action, permit))


def scenario_missing(url, login, password, path):
    with logged_on(url, login, password) as drv:
        drv.get(url + path)
        WebDriverWait(drv, 30).until(EC.title_contains("ページがありません"))


def scenario_post_as(url, login, password, path, status, *fields):
    cookie, csrf = session_of(url, login, password)
    body = urllib.parse.urlencode([("csrf", csrf)] + [tuple(f.split("=", 1)) for f in fields])
    conn = https(url)
    conn.request("POST", path, body=body, headers={
        "Cookie": "rmgate_session=" + cookie, "Content-Type": "application/x-www-form-urlencoded"})
    got = conn.getresponse().status
    if got != int(status):
        fail("POST %s as %s answered %d, not %s" % (path, login, got, status))


def scenario_get_as(url, login, password, path, status, out):
    cookie, _ = session_of(url, login, password)
    conn = https(url)
    conn.request("GET", path, headers={"Cookie": "rmgate_session=" + cookie})
    resp = conn.getresponse()
    body = resp.read()
    if resp.status != int(status):
        fail("GET %s as %s answered %d, not %s" % (path, login, resp.status, status))
    with open(out, "wb") as f:
        f.write(body)


def body_text(drv):
    return drv.find_element(By.TAG_NAME, "body").text


def open_page(drv, url, path):
    drv.get(url + path)
    WebDriverWait(drv, 30).until(EC.presence_of_element_located((By.TAG_NAME, "main")))
    return body_text(drv)


def post_with_session(drv, url, path, fields):
    cookie = drv.get_cookie("rmgate_session")["value"]
    drv.get(url + "/")
    on_dashboard(drv)
    csrf = drv.find_element(By.CSS_SELECTOR, "form[action='/logout'] input[name='csrf']").get_attribute("value")
    pairs = [("csrf", csrf)] + [tuple(f.split("=", 1)) for f in fields.split("&") if f]
    conn = https(url)
    conn.request("POST", path, body=urllib.parse.urlencode(pairs), headers={
        "Cookie": "rmgate_session=" + cookie, "Content-Type": "application/x-www-form-urlencoded"})
    return conn.getresponse().status


def scenario_tour(url, login, password, *steps):
    steps = list(steps)
    with logged_on(url, login, password) as drv:
        while steps:
            kind = steps.pop(0)
            if kind == "see":
                path, shot, texts = steps.pop(0), steps.pop(0), steps.pop(0)
                body = open_page(drv, url, path)
                for t in texts.split("|"):
                    if t not in body:
                        fail("%s as %s lacks %r" % (path, login, t))
                drv.save_screenshot(shot)
            elif kind == "lack":
                path, texts = steps.pop(0), steps.pop(0)
                body = open_page(drv, url, path)
                for t in texts.split("|"):
                    if t in body:
                        fail("%s as %s shows %r" % (path, login, t))
            elif kind == "missing":
                path = steps.pop(0)
                drv.get(url + path)
                try:
                    WebDriverWait(drv, 30).until(EC.title_contains("ページがありません"))
                except Exception:
                    fail("%s as %s is not 'no such page' but %r" % (path, login, drv.title))
            elif kind == "menu":
                has, lacks = steps.pop(0), steps.pop(0)
                drv.get(url + "/")
                on_dashboard(drv)
                for i in [x for x in has.split(",") if x != "-"]:
                    if not drv.find_elements(By.ID, i):
                        fail("the menu of %s lacks %s" % (login, i))
                for i in [x for x in lacks.split(",") if x != "-"]:
                    if drv.find_elements(By.ID, i):
                        fail("the menu of %s shows %s" % (login, i))
            elif kind == "post":
                path, status, fields = steps.pop(0), steps.pop(0), steps.pop(0)
                got = post_with_session(drv, url, path, fields)
                if got != int(status):
                    fail("POST %s as %s answered %d, not %s" % (path, login, got, status))
            else:
                fail("unknown tour step %r" % kind)


def fill(drv, values):
    from selenium.webdriver.support.ui import Select
    for ident, value in values:
        el = drv.find_element(By.ID, ident)
        if el.tag_name == "select":
            Select(el).select_by_value(value)
        else:
            el.clear()
            el.send_keys(value)


def submit(drv, button, expect_done=True):
    before = drv.find_element(By.TAG_NAME, "html")
    drv.find_element(By.ID, button).click()
    WebDriverWait(drv, 30).until(EC.staleness_of(before))  # the answer replaced the page
    WebDriverWait(drv, 30).until(EC.presence_of_element_located((By.TAG_NAME, "main")))
    found = drv.find_elements(By.ID, "done" if expect_done else "error")
    if not found:
        err = drv.find_elements(By.ID, "error")
        fail("after %s: expected %s, got %s" % (button, "done" if expect_done else "an error",
                                               err[0].text if err else drv.title))
    return body_text(drv)


def value_of(drv, ident):
    return drv.find_element(By.ID, ident).get_attribute("value")


def scenario_admin(url, login, password, shots, system, pin, locked):
    with logged_on(url, login, password) as drv:
        drv.find_element(By.ID, "nav-admin").click()
        WebDriverWait(drv, 30).until(EC.presence_of_element_located((By.ID, "admin-pages")))
        drv.save_screenshot(shots + "/admin.png")

        open_page(drv, url, "/admin/sections")
        fill(drv, [("name", "福祉課"), ("officer", "福祉課長 鈴木 一郎")])
        body = submit(drv, "add-section")
        if "福祉課長 鈴木 一郎" not in drv.find_element(By.ID, "sections").text:
            fail("the new section is not listed")
        drv.save_screenshot(shots + "/admin-sections.png")

        open_page(drv, url, "/admin/vendors")
        fill(drv, [("name", "Beta Systems")])
        submit(drv, "add-vendor")
        fill(drv, [("name", "Beta Sub"), ("prime", "Beta Systems")])
        submit(drv, "add-vendor")
        rows = [r.text for r in drv.find_elements(By.CSS_SELECTOR, "#vendors tr")]
        if not any("Beta Sub" in r and "Beta Systems" in r for r in rows):
            fail("Beta Sub is not listed with its prime: %r" % rows)
        drv.save_screenshot(shots + "/admin-vendors.png")

        open_page(drv, url, "/admin/systems")
        typed = [("name", system), ("class", "mynumber"), ("host", "10.9.0.5"), ("port", "3389"),
                 ("section", "福祉課"), ("networks", "10.9.0.0/33")]
        fill(drv, typed)
        submit(drv, "add-system", expect_done=False)
        if not drv.find_elements(By.ID, "error-detail"):
            fail("the refused system shows no rule")
        for ident, value in typed:
            if value_of(drv, ident) != value:
                fail("the refused form lost %s: %r" % (ident, value_of(drv, ident)))
        if system in drv.find_element(By.ID, "systems").text:
            fail("a refused system is listed")
        drv.save_screenshot(shots + "/admin-system-refused.png")
        fill(drv, [("networks", "10.9.0.0/16")])
        submit(drv, "add-system")
        row = [r.text for r in drv.find_elements(By.CSS_SELECTOR, "#systems tr") if system in r.text]
        if not row or "個人番号利用事務系" not in row[0] or "10.9.0.0/16" not in row[0] or "福祉課" not in row[0]:
            fail("the new system's row: %r" % row)
        fill(drv, [("networks-" + system, "10.9.0.0/16 10.10.0.0/16")])
        submit(drv, "do-networks-" + system)
        fill(drv, [("pin-" + system, "sha256:xyz")])
        submit(drv, "do-pin-" + system, expect_done=False)
        if value_of(drv, "pin-" + system) != "sha256:xyz":
            fail("the refused pin was not kept on the form")
        fill(drv, [("pin-" + system, pin)])
        submit(drv, "do-pin-" + system)
        row = [r.text for r in drv.find_elements(By.CSS_SELECTOR, "#systems tr") if system in r.text]
        if not row or "10.10.0.0/16" not in row[0] or pin.lower() not in row[0].replace("\n", ""):
            fail("networks or pin not shown: %r" % row)
        drv.save_screenshot(shots + "/admin-systems.png")

        open_page(drv, url, "/admin/accounts")
        fill(drv, [("vendor", "Beta Sub"), ("login", "beta1"), ("password", "beta-Pass-1"), ("again", "beta-Pass-2")])
        submit(drv, "add-account", expect_done=False)
        if value_of(drv, "login") != "beta1" or value_of(drv, "password") or value_of(drv, "again"):
            fail("the refused account form: login kept, passwords never written back")
        if "beta-Pass" in drv.page_source:
            fail("a password was written into the page")
        fill(drv, [("password", "beta-Pass-1"), ("again", "beta-Pass-1")])
        submit(drv, "add-account")
        if "beta-Pass" in drv.current_url:
            fail("a password is in the URL")

        def state(who):
            rows = [r for r in drv.find_elements(By.CSS_SELECTOR, "#accounts tr") if who in r.text]
            if not rows:
                fail("account %s is not listed" % who)
            return rows[0].find_element(By.CLASS_NAME, "state").text
        if state("beta1") != "有効":
            fail("beta1 is %r, not 有効" % state("beta1"))
        submit(drv, "disable-beta1")
        if state("beta1") != "無効":
            fail("beta1 is %r after disabling" % state("beta1"))
        submit(drv, "enable-beta1")
        if state("beta1") != "有効":
            fail("beta1 is %r after enabling" % state("beta1"))
        if "ロック中" not in state(locked):
            fail("%s is not shown locked: %r" % (locked, state(locked)))
        drv.save_screenshot(shots + "/admin-accounts-locked.png")
        submit(drv, "unlock-" + locked)
        if "ロック中" in state(locked) or drv.find_elements(By.ID, "unlock-" + locked):
            fail("%s still locked after the unlock" % locked)
        drv.save_screenshot(shots + "/admin-accounts.png")

        open_page(drv, url, "/admin/staff")
        fill(drv, [("login", "suzuki"), ("display-name", "鈴木 花子"), ("role", "applicant"), ("section", "福祉課"),
                   ("password", "suzuki-Passw0rd-long"), ("again", "suzuki-Passw0rd-long")])
        submit(drv, "add-staff")
        rows = [r.text for r in drv.find_elements(By.CSS_SELECTOR, "#staff tr") if "suzuki" in r.text]
        if not rows or "申請担当" not in rows[0] or "福祉課" not in rows[0]:
            fail("suzuki's row: %r" % rows)
        drv.save_screenshot(shots + "/admin-staff.png")


SCENARIOS = {"get-as": scenario_get_as, "apply": scenario_apply, "click": scenario_click, "page": scenario_page, "note": scenario_note, "permit": scenario_permit, "no-button": scenario_no_button, "missing": scenario_missing,
             "post-as": scenario_post_as,"login": scenario_login, "refused": scenario_refused, "absent": scenario_absent,
             "forged-post": scenario_forged_post, "headers": scenario_headers, "tour": scenario_tour,
             "admin": scenario_admin}

def scenario_end_session(url, login, password, session, reason, shot):
    with logged_on(url, login, password) as drv:
        drv.get("%s/sessions/%s" % (url, session))
        WebDriverWait(drv, 30).until(EC.presence_of_element_located((By.ID, "end-session")))
        drv.find_element(By.ID, "end-reason").send_keys(reason)
        drv.find_element(By.ID, "end-session").click()
        WebDriverWait(drv, 30).until(EC.presence_of_element_located((By.ID, "done")))
        if "終了を指示しました" not in drv.find_element(By.ID, "done").text:
            fail("ending session %s did not say it was ordered" % session)
        if reason not in drv.find_element(By.ID, "events").text:
            fail("the order to end is not among session %s's rows" % session)
        drv.save_screenshot(shot)


def scenario_no_end_button(url, login, password, session):
    with logged_on(url, login, password) as drv:
        drv.get("%s/sessions/%s" % (url, session))
        WebDriverWait(drv, 30).until(EC.presence_of_element_located((By.ID, "session")))
        if drv.find_elements(By.ID, "end-session"):
            fail("%s sees a button to end session %s" % (login, session))


def scenario_verify_recording(url, login, password, session, shot, *texts):
    with logged_on(url, login, password) as drv:
        drv.get("%s/sessions/%s" % (url, session))
        WebDriverWait(drv, 30).until(EC.presence_of_element_located((By.ID, "verify-recording")))
        drv.find_element(By.ID, "verify-recording").click()
        WebDriverWait(drv, 60).until(EC.presence_of_element_located((By.ID, "recording-verdict")))
        verdict = drv.find_element(By.ID, "recording-verdict").text
        for t in texts:
            if t not in verdict:
                fail("the recording's verdict %r lacks %r" % (verdict, t))
        drv.save_screenshot(shot)


SCENARIOS.update({"end-session": scenario_end_session, "no-end-button": scenario_no_end_button,
                  "verify-recording": scenario_verify_recording})

if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in SCENARIOS:
        sys.stderr.write(__doc__)
        sys.exit(2)
    SCENARIOS[sys.argv[1]](*sys.argv[2:])
