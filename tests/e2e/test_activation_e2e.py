"""A new member's first day, as the README tells it: staff import the roster, the branch
secretary prints the activation slips, the member activates on a phone with the code from
the sheet, logs out, and a copy of the old cookies opens nothing."""

from __future__ import annotations

import csv
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page

from studyhub.demo import COMMITTEE, DEMO_PASSWORD
from tests.e2e.conftest import PHONE, LiveServer, log_in

pytestmark = pytest.mark.e2e

STAFF_PHONE = "13800000002"  # 李秀英, committee staff
SECRETARY_PHONE = "13800000030"  # 程德福, secretary of 离退休干部党支部
BRANCH = "离退休干部党支部"
HEADER = ["姓名", "手机号", "党员编号", "党员类型", "入党日期", "所属支部", "党小组", "职务"]
NEWCOMERS = [
    ["周新民", "13722220001", "E2E0001", "正式党员", "2019-07-01", BRANCH, "", ""],
    ["吴晓春", "13722220002", "E2E0002", "预备党员", "2025-06-30", BRANCH, "", ""],
]
NEW_PASSWORD = "Mine2026ok"


def path_of(page: Page) -> str:
    return urlsplit(page.url).path


def log_out(page: Page) -> None:
    with page.expect_navigation():
        page.click("#tab-account")  # logging out is in the account menu (我的)
    with page.expect_navigation():
        page.click("#logout")
    assert path_of(page) == "/login"


def import_roster(page: Page, live_server: LiveServer, tmp_path: Path) -> None:
    roster = tmp_path / "新党员名册.csv"
    with roster.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *NEWCOMERS])
    page.goto(f"/org/units/{live_server.unit_ids[COMMITTEE]}/import")
    page.set_input_files("input[name=file]", str(roster))
    with page.expect_navigation():
        page.click("form[enctype='multipart/form-data'] button[type=submit]")
    assert page.inner_text("#count-new").strip() == str(len(NEWCOMERS))
    with page.expect_navigation():
        page.click("#import-preview button[type=submit]")
    assert page.locator("main .flash-success").is_visible()


def print_slips(page: Page, live_server: LiveServer, screenshot_dir: Path) -> dict[str, dict]:
    """The secretary's way to the slips, on the phone; returns each slip by name."""
    branch_id = live_server.unit_ids[BRANCH]
    with page.expect_navigation():
        page.click(f".mainnav a[href='/org/units/{branch_id}']")
    with page.expect_navigation():
        page.click("#activation-slips-link")
    waiting = int("".join(ch for ch in page.inner_text("#slips-waiting") if ch.isdigit()))
    with page.expect_navigation():
        page.click("#slips-form button[type=submit]")
    assert path_of(page) == f"/org/units/{branch_id}/activation-slips"
    slips = page.locator("#slips .slip")
    assert slips.count() == waiting >= len(NEWCOMERS)
    assert page.locator("#slips .slip .slip-qr svg").count() == waiting
    page.screenshot(path=str(screenshot_dir / "activation-slips-phone.png"), full_page=True)

    by_name = {}
    for index in range(slips.count()):
        slip = slips.nth(index)
        by_name[slip.locator(".slip-name").inner_text().strip()] = {
            "login": slip.locator(".slip-login").inner_text().strip(),
            "code": slip.locator(".slip-code").inner_text().strip(),
            "link": slip.locator(".slip-qr").get_attribute("href"),
        }

    # The sheet prints cleanly: no header or buttons, two slips side by side, one A4 page.
    page.emulate_media(media="print")
    assert page.locator("header.topbar").is_hidden()
    assert page.locator("#slips-form").count() == 0
    first, second = slips.nth(0).bounding_box(), slips.nth(1).bounding_box()
    assert first is not None and second is not None
    assert abs(first["y"] - second["y"]) < 1 and second["x"] > first["x"]
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert pages == (waiting + 7) // 8  # eight slips to a page
    (screenshot_dir / "activation-slips.pdf").write_bytes(pdf)
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi, to look at
    page.screenshot(path=str(screenshot_dir / "activation-slips-print.png"), full_page=True)
    page.set_viewport_size(PHONE["viewport"])
    page.emulate_media(media="screen")
    # After printing at A4 size Chromium keeps a wider layout viewport (380x782 on a 360x740
    # phone), which puts the tab bar below the screen: open the slips page afresh, as the
    # secretary would after printing (the codes were read above).
    page.goto(f"/org/units/{branch_id}/activation-slips")
    return by_name


def test_import_print_slips_activate_on_a_phone_and_log_out(
    page: Page, browser: Browser, live_server: LiveServer, tmp_path: Path, screenshot_dir: Path
):
    # Committee staff import two new members.
    log_in(page, STAFF_PHONE, DEMO_PASSWORD)
    import_roster(page, live_server, tmp_path)
    log_out(page)

    # Their branch secretary prints the branch's slips.
    log_in(page, SECRETARY_PHONE, DEMO_PASSWORD)
    slips = print_slips(page, live_server, screenshot_dir)
    name, phone = NEWCOMERS[0][0], NEWCOMERS[0][1]
    assert {row[0] for row in NEWCOMERS} <= slips.keys()
    slip = slips[name]
    assert slip["login"] == phone
    log_out(page)

    # The new member has no password: nothing they could guess logs in.
    log_in(page, phone, phone[-6:])
    assert page.locator("#login-error").is_visible()

    # On their own phone, the slip's QR code opens the activation page, filled in.
    member = browser.new_context(**PHONE, base_url=live_server.url)
    member.set_default_timeout(10_000)
    phone_page = member.new_page()
    phone_page.goto(slip["link"])
    assert path_of(phone_page) == "/activate"
    assert urlsplit(phone_page.url).fragment == ""  # the code left the address bar
    assert phone_page.input_value("input[name=identifier]") == phone
    assert phone_page.input_value("input[name=code]") == slip["code"].replace("-", "")
    phone_page.fill("input[name=new]", NEW_PASSWORD)
    phone_page.fill("input[name=confirm]", NEW_PASSWORD)
    phone_page.screenshot(path=str(screenshot_dir / "activate-phone.png"), full_page=True)
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    with phone_page.expect_navigation():
        phone_page.click("#activate button[type=submit]")
    assert path_of(phone_page) == "/"
    assert name in phone_page.inner_text("main h1")
    assert phone_page.locator("main .flash-success").is_visible()

    # A copy of the cookies works while the member is logged in…
    copied = member.cookies()
    thief = browser.new_context(**PHONE, base_url=live_server.url)
    thief_page = thief.new_page()
    thief.add_cookies(copied)
    thief_page.goto("/")
    assert path_of(thief_page) == "/"

    # …and no longer once they have logged out (the session and remember cookies both).
    log_out(phone_page)
    thief.clear_cookies()
    thief.add_cookies(copied)
    thief_page.goto("/")
    assert path_of(thief_page) == "/login"

    # The password they chose logs in; the code on the slip was used up.
    log_in(phone_page, phone, NEW_PASSWORD)
    assert path_of(phone_page) == "/"
    log_out(phone_page)
    phone_page.goto(f"/activate?login={phone}")
    phone_page.fill("input[name=code]", slip["code"])
    phone_page.fill("input[name=new]", "Another2026")
    phone_page.fill("input[name=confirm]", "Another2026")
    with phone_page.expect_navigation():
        phone_page.click("#activate button[type=submit]")
    assert path_of(phone_page) == "/activate"
    assert phone_page.locator("#activate .flash-error").is_visible()
    thief.close()
    member.close()
