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


SCENARIOS = {"get-as": scenario_get_as, "apply": scenario_apply, "click": scenario_click, "page": scenario_page, "note": scenario_note, "permit": scenario_permit, "no-button": scenario_no_button, "missing": scenario_missing,
             "post-as": scenario_post_as,"login": scenario_login, "refused": scenario_refused, "absent": scenario_absent,
             "forged-post": scenario_forged_post, "headers": scenario_headers}

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


SCENARIOS.update({"end-session": scenario_end_session, "no-end-button": scenario_no_end_button})

if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in SCENARIOS:
        sys.stderr.write(__doc__)
        sys.exit(2)
    SCENARIOS[sys.argv[1]](*sys.argv[2:])
