"""The web UI in a real browser: a legal officer assesses a conduct; an investigator logs in, lands on the start
page, builds a case, reveals a victim's identity with a reason; the navigation fits; the API docs work offline."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from .servers import in_thread

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = pytest.mark.browser


def _require_browser() -> None:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail("CI must run the browser tests: /usr/bin/chromium is missing (make test installs it)")
        pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)")


DEMO: dict[str, str] = {}
CHIEF = ("chief", "chief-of-unit-password")
"""A user with every role and a long name: the widest navigation there is."""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _require_browser()
    from palermo.cases.demo import create_demo
    from palermo.finance.desk import Desk
    from palermo.settings import Settings
    from palermo.web import create_app

    settings = Settings(data_dir=tmp_path_factory.mktemp("browser"))
    app = create_app(settings)
    DEMO["username"], DEMO["password"] = create_demo(app.state.services.store)
    app.state.services.store.accounts.add_user(
        CHIEF[0], "demo-police", ["admin", "investigator", "analyst", "auditor", "legal_officer", "victim_support"],
        password=CHIEF[1], display_name="Detective Chief Inspector Alexandra Kowalczyk-Brown")
    desk = Desk(app.state.services.finance.ledger_path("demo-police"))  # the demo agency's own ledger
    desk.generate(20_000, seed=3)
    desk.monitor()
    desk.close()

    with in_thread(app) as base:
        yield base


@pytest.fixture(scope="module")
def page(server: str):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield browser.new_page()
        browser.close()


def test_fill_conduct_form_and_see_verdict(server, page):
    page.goto(server + "/law/assess")
    page.check("input[name=against][value=DE]")
    for act in ("recruitment", "transportation"):
        page.check(f"input[name=acts][value={act}]")
    page.check("input[name=means][value=deception]")
    page.check("input[name=purposes][value=prostitution_of_others]")
    page.fill("input[name=victim_age]", "19")
    page.fill("input[name=places]", "RU, CY")
    page.click("#assess-button")
    verdicts = page.locator("[data-verdict]")
    assert verdicts.count() == 2
    assert verdicts.nth(0).inner_text() == "yes"
    assert "3(a)" in page.locator("#results").inner_text()
    page.click("#results a:text-is('Palermo Protocol, Art. 3(a)') >> nth=0")
    assert "/law/instruments/palermo_protocol#art-3-a" in page.url


def test_form_without_means_for_adult_says_no(server, page):
    page.goto(server + "/law/assess")
    page.check("input[name=acts][value=recruitment]")
    page.check("input[name=purposes][value=forced_labour_or_services]")
    page.fill("input[name=victim_age]", "35")
    page.click("#assess-button")
    assert page.locator("[data-verdict]").first.inner_text() == "no"


def test_compare_heat_map_renders(server, page):
    page.goto(server + "/law/compare?ids=DE,FR,US")
    assert page.locator("#heatmap td.cell").count() > 30
    page.goto(server + "/")
    assert page.locator("text=Germany").count() >= 1


def test_log_in_create_a_case_add_and_link_a_person_and_a_phone(server, page):
    page.goto(server + "/cases")
    assert "/login" in page.url
    page.fill("input[name=username]", DEMO["username"])
    page.fill("input[name=password]", DEMO["password"])
    page.click("button[type=submit]")
    assert page.url.endswith("/cases")
    assert page.locator("text=DEMO-FORT-2019").count() == 1  # the demo workspace is populated

    page.fill("input[name=reference]", "UI-2026-1")
    page.fill("input[name=title]", "Nail bar referral")
    page.fill("input[name=jurisdictions]", "GB, VN")
    page.click("text=Open case")
    assert "/cases/UI-2026-1" in page.url

    form = page.locator("#add-entity")
    form.locator("select[name=kind]").select_option("Person")
    form.locator("input[name=value]").fill("Tran Van Minh")
    form.locator("input[name=country]").fill("vn")
    form.locator("select[name=role]").select_option("suspect")
    form.locator("button").click()
    form = page.locator("#add-entity")
    form.locator("select[name=kind]").select_option("Phone")
    form.locator("input[name=value]").fill("+44 20 7946 0321")
    form.locator("button").click()

    link = page.locator("#add-link")
    link.locator("select[name=source]").select_option(label="Tran Van Minh (Person)")
    link.locator("select[name=relation]").select_option("UnknownLink")
    link.locator("select[name=target]").select_option(label="+442079460321 (UserAccount)")
    link.locator("input[name=description]").fill("uses phone")
    link.locator("button").click()

    table = page.locator("#entity-table").inner_text()
    assert "Tran Van Minh → +442079460321" in table and "UnknownLink" in table and "suspect" in table
    page.click("#entity-table a:text-is('Tran Van Minh')")
    related = page.locator("#related").inner_text()
    assert "Tran Van Minh → +442079460321" in related and "uses phone" in related


def _logged_in(server, page, path: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(server + path)
    if "/login" in page.url:
        page.fill("input[name=username]", DEMO["username"])
        page.fill("input[name=password]", DEMO["password"])
        page.click("button[type=submit]")
        page.goto(server + path)


def test_open_an_alert_see_its_transactions_and_file_it_into_a_case(server, page):
    _logged_in(server, page, "/finance?rule=cycle")
    assert page.locator("#alerts tr").count() > 1
    page.click("#alerts a >> nth=0")
    assert "/finance/alerts/alr-" in page.url
    assert "Money going round in a circle" in page.locator("h1").inner_text()
    assert "IBM AMLSim" in page.locator("main").inner_text()  # the rule's source is shown
    txs = page.locator("#transactions tr")
    assert txs.count() >= 4  # header + at least three hops
    assert "transfer" in page.locator("#transactions").inner_text()
    assert page.locator("#flows path[marker-end]").count() >= 3 and page.locator("#flows circle").count() >= 3

    page.locator("#file-form select[name=case]").select_option("")
    page.locator("#file-form input[name=title]").fill("Circular transfers, Lyon")
    page.locator("#file-form button").click()
    assert "/cases/FIU-" in page.url
    assert "Circular transfers, Lyon" in page.locator("h1").inner_text()
    table = page.locator("#entity-table").inner_text()
    assert "BankAccount" in table and "Payment" in table
    assert "Filed from transaction monitoring" in page.locator("main").inner_text()
    page.go_back()
    page.reload()
    assert "Status: escalated" in page.locator("#review-state").inner_text()  # filing escalated the alert
    page.locator("#review-form input[name=reason]").fill("second look: same ring as case above")
    page.locator("#review-form button[value=open]").click()
    assert "Status: open" in page.locator("#review-state").inner_text()


def test_country_profile_shows_scorecard_and_plots(server, page):
    page.goto(server + "/stats")
    page.wait_for_selector("#fig-ranking .main-svg")
    assert page.locator("#fig-ranking .bars .point").count() >= 17  # one bar per profiled law
    page.click("#countries a:text-is('Nigeria')")
    assert page.url.endswith("/stats/countries/NG")
    card = page.locator("#scorecard").inner_text()
    assert "Party to the Palermo Protocol" in card and "2001-06-28" in card
    assert "Law against the Protocol and UNTOC" in card and "data_glotip_2025-04-14.csv@sha256:" in card
    page.wait_for_selector("#fig-victims .main-svg")
    for fig in ("victims", "justice", "tiers"):
        assert page.locator(f"#fig-{fig} .main-svg").count() >= 1  # plotly drew the figure
        assert page.locator(f"#fig-{fig} .scatterlayer .trace").count() >= 1
    assert "UNODC Global Report" in page.locator("#fig-victims").inner_text()  # the caption names the source


def _log_in(server, page, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(server + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")


def test_after_login_the_start_page_shows_cases_alerts_and_recent_work(server, page):
    _log_in(server, page, DEMO["username"], DEMO["password"])
    assert page.url == server + "/home"
    assert "Demo administrator" in page.locator("h1").inner_text()
    assert "DEMO-FORT-2019" in page.locator("#my-cases").inner_text()
    assert page.locator("#open-alerts li a[href^='/finance/alerts/alr-']").count() >= 1
    activity = page.locator("#activity").inner_text()
    assert "opened the case" in activity and "imported entities" in activity and "DEMO-FORT-2019" in activity
    assert page.locator("#audit-card").count() == 0  # the demo administrator is no auditor
    for path in ("/", "/law/compare", "/stats"):
        page.goto(server + path)
        header = page.locator("header")
        assert "Demo administrator" in header.inner_text(), path  # signed in on the public pages too
        assert header.locator("a:text-is('Log in')").count() == 0, path


NAV_ITEMS = "header nav.menu > a, header nav.menu > details > summary, header details.who > summary"


@pytest.mark.parametrize("width", [1280, 1024])
def test_the_widest_navigation_fits_on_one_row(server, page, width: int):
    _log_in(server, page, *CHIEF)
    page.set_viewport_size({"width": width, "height": 720})
    try:
        page.goto(server + "/home")
        items = page.locator(NAV_ITEMS)
        labels = [t.strip() for t in items.all_inner_texts()]
        assert labels[:-1] == ["Palermo", "Law", "Countries", "Cases", "Victims", "Finance", "Audit", "API"]
        assert labels[-1].startswith("Detective Chief Inspector")
        header = page.locator("header").bounding_box()
        assert header is not None and header["height"] < 60  # one row
        boxes = [items.nth(i).bounding_box() for i in range(items.count())]
        tops = {round(b["y"]) for b in boxes if b}
        assert len(boxes) == len(labels) and max(tops) - min(tops) <= 2, tops  # every item on the same row
        assert all(b and b["height"] < 40 for b in boxes), boxes  # no item's text wraps onto a second line
        assert all(b and b["x"] + b["width"] <= width for b in boxes)  # nothing pushed out of the window
        nav = page.locator("header nav.menu").bounding_box()
        assert nav and boxes[-1] and nav["x"] + nav["width"] <= boxes[-1]["x"]  # the user menu does not overlap
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    finally:
        page.set_viewport_size({"width": 1280, "height": 720})


def test_dropdowns_open_one_at_a_time_and_lead_to_their_pages(server, page):
    _log_in(server, page, *CHIEF)

    def group(name: str):  # type: ignore[no-untyped-def]
        return page.locator("header details", has=page.locator(f"summary:text-is('{name}')"))

    for name, item, path in (("Law", "Assess a conduct", "/law/assess"), ("Cases", "All cases", "/cases"),
                             ("Cases", "Search", "/search"), ("Finance", "Alerts", "/finance"),
                             ("Finance", "Screening", "/finance/screening")):
        link = group(name).locator(f"a:text-is('{item}')")
        assert not link.is_visible()
        group(name).locator("summary").click()
        assert link.is_visible()
        link.click()
        page.wait_for_url(server + path)
        assert group(name).locator("summary.here").count() == 1  # the current section is marked
    page.click("header a:text-is('Audit')")
    page.wait_for_url(server + "/audit")

    law, cases = group("Law"), group("Cases")
    law.locator("summary").click()
    cases.locator("summary").click()
    assert cases.get_attribute("open") is not None and law.get_attribute("open") is None  # one menu at a time
    page.click("main h1")
    assert cases.get_attribute("open") is None  # a click elsewhere closes it
    law.locator("summary").click()
    page.keyboard.press("Escape")
    assert law.get_attribute("open") is None

    page.click("header details.who summary")
    assert "Signed in as chief" in page.locator("header details.who .menu-items").inner_text()
    page.click("header details.who button:text-is('Log out')")
    page.wait_for_url(server + "/login")
    assert page.locator("header a:text-is('Log in')").is_visible()


def test_revealing_a_victim_needs_a_reason_sent_in_the_body(server, page):
    _log_in(server, page, DEMO["username"], DEMO["password"])
    page.goto(server + "/cases/DEMO-FORT-2019/entities/victim-1")
    title = page.locator("h1").inner_text()
    assert title.startswith("Protected person ") and "Jan Nowak" not in page.locator("main").inner_text()
    reason = "safeguarding referral to the NGO"
    page.locator("#reveal input[name=reason]").fill(reason)
    with page.expect_request("**/reveal") as sent:
        page.locator("#reveal button").click()
    page.wait_for_url("**/reveal")
    assert sent.value.method == "POST" and reason.replace(" ", "+") in (sent.value.post_data or "")
    assert "Jan Nowak" in page.locator("#properties").inner_text() and page.locator("#revealed").is_visible()
    assert "reason" not in page.url and "safeguarding" not in page.url  # not in the address, history or logs

    _log_in(server, page, *CHIEF)  # an auditor of the agency sees who revealed whom, and why
    page.goto(server + "/audit?action=protected_read")
    row = page.locator("#audit tr.flag").first.inner_text()
    assert "admin" in row and "DEMO-FORT-2019" in row and reason in row


LOOPBACK = ("127.0.0.1", "localhost")


@pytest.mark.parametrize(("path", "rendered"), [
    ("/api/docs", ".opblock"),
    ("/api/redoc", "[data-section-id^='operation/']"),
])
def test_api_docs_make_no_request_off_the_machine(server, page, path: str, rendered: str):
    """The docs load under a host name that is not loopback (as on a real deployment, where Swagger UI and ReDoc
    do not special-case localhost); every request to any other host is refused and recorded."""
    local = urlsplit(server).netloc
    attempted: list[str] = []

    def guard(route):  # type: ignore[no-untyped-def]
        url = urlsplit(route.request.url)
        if url.hostname == "palermo.test":
            route.fulfill(response=route.fetch(url=url._replace(netloc=local).geturl()))
        elif url.hostname in LOOPBACK:
            route.continue_()
        else:
            attempted.append(route.request.url)
            route.abort()

    page.context.route("**/*", guard)
    try:
        page.goto("http://palermo.test" + path)
        page.wait_for_selector(rendered, state="visible")
        assert page.locator(rendered).count() > 20  # the operations are drawn from the local OpenAPI
        page.wait_for_load_state("networkidle")
    finally:
        page.context.unroute("**/*", guard)
    assert attempted == []


def test_register_an_exhibit_record_a_transfer_and_print_its_custody_report(server, page):
    _log_in(server, page, DEMO["username"], DEMO["password"])
    page.goto(server + "/cases/DEMO-FORT-2019")
    page.click("#evidence-link")
    page.fill("input[name=label]", "JD-1")
    page.fill("input[name=description]", "Bank cards found at the house")
    page.fill("input[name=legal_basis]", "Search warrant 2017/44")
    page.fill("input[name=seized_in]", "GB")
    page.fill("input[name=date]", "2017-06-01")
    page.fill("input[name=time]", "06:05")
    page.fill("input[name=place]", "House in Walsall")
    page.fill("input[name=holder]", "DC J. Doe")
    page.fill("input[name=seal]", "S-0042")
    page.click("#register-form button[type=submit]")
    page.wait_for_selector("text=Chain of custody")
    assert "/exhibits/JD-1" in page.url and "seizure" in page.inner_text("table")
    page.select_option("#act-kind", "transfer")
    page.fill("#act-form input[name=date]", "2017-06-01")
    page.fill("#act-form input[name=time]", "09:30")
    page.fill("#act-form input[name=place]", "Police station, Walsall")
    page.fill("#act-form input[name=purpose]", "to the property store")
    page.fill("input[name='transfer.to_holder']", "Property store B")
    page.click("#act-form button[type=submit]")
    page.wait_for_selector("text=Property store B")
    rows = page.inner_text("table")
    assert "transfer" in rows and "from holder: DC J. Doe" in rows and "to holder: Property store B" in rows
    page.goto(server + "/cases/DEMO-FORT-2019/evidence")
    assert "custody log verified" in page.inner_text("#verification")
    page.goto(server + "/cases/DEMO-FORT-2019/exhibits/JD-1")
    with page.expect_download() as download:
        page.click("#export")
    assert download.value.suggested_filename.endswith(".zip")
    page.click("#court-report")
    report = page.inner_text("body")
    assert "JD-1" in report and "Property store B" in report and "VERIFIED" in report.upper()


def test_a_screening_in_french_then_the_record_consent_and_a_referral(server, page):
    """A shelter worker screens a person in French (answers saved as they go), opens the record from the result,
    records consent and sends a referral; the identity never shows on the way."""
    _log_in(server, page, *CHIEF)
    try:
        page.goto(server + "/screenings/new?lang=fr")
        assert page.locator("html").get_attribute("lang") == "fr"
        assert "Langue des questions" in page.inner_text("main")
        page.check("input[name=indicator_set][value=ilo_forced_labour_2012]")
        page.click("#start-form button[type=submit]")
        page.wait_for_selector("#screening-form")
        assert page.locator(".answer label", has_text="Oui").count() == 11
        for key in ("retention_of_identity_documents", "debt_bondage", "withholding_of_wages"):
            page.check(f"input[name='a.{key}'][value=yes]")
        page.check("input[name='a.isolation'][value=no]")
        page.fill("input[name=age]", "31")
        page.wait_for_selector("#saved:has-text('Enregistré')")
        page.reload()  # what was answered survives a reload: it was saved as it came
        assert page.locator(".question input:checked").count() == 4
        page.click("#finish")
        page.wait_for_selector("#result")
        assert "Entretien complémentaire" in page.inner_text("#result h2")
        page.fill("#open-record textarea[name=names]", "Ioana Stanciu")
        page.fill("#open-record input[name=jurisdiction]", "GB")
        page.click("#open-record button[type=submit]")
        page.wait_for_selector("#consent-form")
        assert page.locator("h1").inner_text().startswith("Person ")
        assert "Ioana" not in page.inner_text("main")
        assert "Indicateurs du travail forcé" in page.inner_text("#screenings")
        page.select_option("#consent-form select[name=purpose]", "services")
        page.click("#consent-form button[type=submit]")
        page.wait_for_selector("#consent-now .badge.verified")
        record = page.url

        def refer(to: str, state: str) -> None:
            page.select_option("#referral-form select[name=service]", "shelter")
            page.fill("#referral-form input[name=to_name]", to)
            page.fill("#referral-form input[name=to_state]", state)
            page.click("#referral-form button[type=submit]")

        refer("Foyer Les Tilleuls", "FR")  # abroad: she consented to services, not to sharing abroad
        assert "consent: sharing_abroad" in page.inner_text("main")
        page.goto(record)
        refer("Hope House", "GB")
        page.wait_for_selector("#referral-list >> text=Hope House")
        assert "envoyé" in page.inner_text("#referral-list")
        assert "Foyer" not in page.inner_text("#referral-list")
    finally:
        page.goto(server + "/home?lang=en")  # the language is remembered: the next tests read English
