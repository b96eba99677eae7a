"""A file from a person's phone to the kiosk, through the real desk: the kiosk asks over the
real broker (TLS, passwords, ACL), headless Chromium is the phone, the desk's web server
takes the file and the kiosk fetches it over HTTP(S) into its documents folder."""

from __future__ import annotations

import io
import json
import re
import subprocess
import uuid
import zipfile

import httpx
import pytest
from PIL import Image

from kiosk.background import Immediate
from kiosk.phone_upload import PhoneUpload, https_fetcher
from testbed.fakes import TimerScheduler
from testbed.desk import desk_in_process, wait_for
from testbed.desk import kiosk as start_kiosk

SITES = {"oodi": ["oodi-1", "oodi-2"]}


@pytest.fixture
def desk(broker, tmp_path):
    with desk_in_process(broker, tmp_path) as started:
        yield started




@pytest.fixture
def kiosk(broker, desk, tmp_path):
    """The kiosk's help service and phone upload on the broker, its documents folder."""
    help_ = start_kiosk(broker, tmp_path)
    downloads = tmp_path / "session" / "downloads"
    arrived = []
    phone = PhoneUpload(help_, desk.url, lambda: downloads, https_fetcher(str(broker.ca_file)), TimerScheduler(),
                        Immediate(), on_file=arrived.append)
    wait_for(lambda: help_.connected)
    yield phone, downloads, arrived
    help_.stop()


def a_link(phone) -> str:
    phone.ask("en")
    wait_for(lambda: phone.state == "ready")
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/u/[A-Za-z0-9_-]{32}", phone.url)
    return phone.url


def photo() -> bytes:
    image = Image.new("RGB", (300, 200), "white")
    image.paste((0, 0, 0), (0, 0, 300, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def send(url: str, name: str, data: bytes, kind: str = "pdf", language: str = "en") -> httpx.Response:
    return httpx.post(url, files={"file": (name, data, "image/jpeg")}, data={"as": kind},
                      headers={"Accept-Language": language}, timeout=30)


@pytest.mark.gui
def test_a_photo_from_the_phone_in_chromium_arrives_as_a_pdf(desk, kiosk, tmp_path, xvfb_display):
    from kiosk.devices.browser import ChromiumBrowser, Geometry
    from kiosk.devices.processes import SessionProcesses

    phone, downloads, arrived = kiosk
    url = a_link(phone)  # what the kiosk's QR code carries
    picture = tmp_path / "IMG_2041.jpg"
    picture.write_bytes(photo())
    browser = ChromiumBrowser(SessionProcesses(tmp_path / "processes"))
    try:
        browser.open(url, tmp_path / "profile", tmp_path / "phone-downloads", Geometry(0, 0, 420, 800),
                     lambda *_: None)

        def js(script: str):
            return browser.call("Runtime.evaluate", {"expression": script, "returnByValue": True})["result"].get(
                "value")

        try:
            wait_for(lambda: js("document.readyState === 'complete' && !!document.querySelector('input[type=file]')"),
                     20)
        except AssertionError:
            raise AssertionError(js("location.href + ' ' + document.body.innerText"))
        assert js("document.querySelectorAll('script').length") == 0
        assert "Send a file to the library computer" in js("document.body.innerText")
        root = browser.call("DOM.getDocument")["root"]["nodeId"]
        node = browser.call("DOM.querySelector", {"nodeId": root, "selector": "input[type=file]"})["nodeId"]
        browser.call("DOM.setFileInputFiles", {"nodeId": node, "files": [str(picture)]})
        box = js("(() => { const r = document.querySelector('button').getBoundingClientRect();"
                 " return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        for kind in ("mousePressed", "mouseReleased"):
            browser.call("Input.dispatchMouseEvent", {"type": kind, "x": box[0], "y": box[1], "button": "left",
                                                      "clickCount": 1})
        wait_for(lambda: "Your file is now on the library computer" in (js("document.body.innerText") or ""), 30)
        wait_for(lambda: arrived, 20)
    finally:
        browser.close(quick=True)
    (document,) = list(downloads.iterdir())
    assert document.name == "IMG_2041.pdf" and arrived == [document]
    info = subprocess.run(["pdfinfo", str(document)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Pages: +1$", info, re.MULTILINE)
    assert b"PhoneMaker" not in document.read_bytes()
    subprocess.run(["pdftoppm", "-png", "-r", "30", str(document), str(tmp_path / "page")], check=True)
    page = Image.open(next(tmp_path.glob("page*.png"))).convert("L")
    assert page.getpixel((page.width // 2, 1)) < 60 and page.getpixel((page.width // 2, page.height - 2)) > 200
    assert desk.link.uploads.held() == (0, 1)  # the file went at once; the link lives on


def test_the_link_dies_with_the_session_and_nothing_is_delivered(desk, kiosk):
    phone, downloads, arrived = kiosk
    url = a_link(phone)
    assert httpx.get(url).status_code == 200
    phone.reset()  # the wipe: the kiosk tells the desk
    wait_for(lambda: desk.link.uploads.held() == (0, 0))
    answer = send(url, "rent.jpg", photo())
    assert answer.status_code == 410 and "This link is no longer valid" in answer.text
    assert httpx.get(url).status_code == 410
    assert not downloads.exists() and not arrived


def test_the_status_of_a_finished_session_ends_the_link_should_the_end_be_lost(desk, kiosk):
    phone, _downloads, _arrived = kiosk
    url = a_link(phone)
    phone.help.publish_status({"kiosk": "oodi-1", "session": "ready"})
    wait_for(lambda: desk.link.uploads.held() == (0, 0))
    assert httpx.get(url).status_code == 410


def a_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("secret.txt", "x" * 1000)
    return out.getvalue()


@pytest.mark.parametrize("name, data, status, words", [
    ("holiday.jpg", a_zip(), 415, "This file cannot be sent. Send a photo (JPEG or PNG) or a PDF document."),
    ("photo.jpg", b"\x7fELF\x02\x01\x01\x00" + bytes(5000), 415, "This file cannot be sent."),
    ("photo.jpg", b"\0\0\0\x18ftypheic\0\0\0\0mif1heic" + bytes(100), 415, "HEIC"),
    ("big.jpg", b"\xff\xd8\xff" + bytes(16 * 1024 * 1024), 413, "This file is too big. A file can be at most 15 MB."),
], ids=["zip", "program", "heic", "too-big"])  # the bytes themselves would be the test's name
def test_wrong_kinds_and_too_big_are_refused_on_the_phone(desk, kiosk, name, data, status, words):
    phone, downloads, arrived = kiosk
    url = a_link(phone)
    answer = send(url, name, data)
    assert answer.status_code == status and words in answer.text
    assert "Traceback" not in answer.text
    assert desk.link.uploads.held() == (0, 1) and not downloads.exists() and not arrived
    assert send(url, "fine.jpg", photo(), kind="picture").status_code == 200  # the link still works
    wait_for(lambda: arrived)
    assert [p.name for p in downloads.iterdir()] == ["fine.jpg"]
    assert desk.link.uploads.held() == (0, 1)


def test_a_guessed_token_and_a_guessed_fetch_are_refused(desk, kiosk):
    phone, _downloads, _arrived = kiosk
    url = a_link(phone)
    guessed = url.rsplit("/", 1)[0] + "/" + "A" * 32
    assert httpx.get(guessed).status_code == 410
    assert send(guessed, "x.jpg", photo()).status_code == 410
    fetch = httpx.get(f"{desk.url}/upload/fetch/{uuid.uuid4()}", headers={"Authorization": "Bearer " + "B" * 32})
    assert fetch.status_code == 404
    assert desk.link.uploads.held() == (0, 1)


def test_the_page_speaks_the_persons_language_and_has_the_desks_headers(desk, kiosk):
    phone, _downloads, _arrived = kiosk
    phone.ask("sv")
    wait_for(lambda: phone.state == "ready")
    answer = httpx.get(phone.url, headers={"Accept-Language": "fi"})
    assert '<html lang="sv">' in answer.text and "<script" not in answer.text
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert answer.headers["referrer-policy"] == "no-referrer" and answer.headers["cache-control"] == "no-store"
    gone = httpx.get(phone.url.rsplit("/", 1)[0] + "/" + "C" * 32, headers={"Accept-Language": "fi"})
    assert gone.status_code == 410 and '<html lang="fi">' in gone.text


def test_a_kiosk_asks_only_for_itself_and_not_too_often(desk):
    def ask(kiosk_id: str, on_behalf: str) -> str:
        return desk.link.handle(f"kiosk/oodi/{kiosk_id}/upload", json.dumps(
            {"type": "link", "id": str(uuid.uuid4()), "kiosk": on_behalf, "language": "fi"}).encode())

    assert ask("oodi-2", "oodi-1") == "ignored"
    answered = [ask("oodi-2", "oodi-2") for _ in range(12)]
    assert answered.count("upload") == 5 and answered[5:] == ["ignored"] * 7
    assert desk.link.uploads.held() == (0, 3)  # at most three live links a kiosk
    assert desk.link.handle("kiosk/oodi/oodi-2/upload", b'{"type": "end", "kiosk": "oodi-1"}') == "ignored"
    assert desk.link.handle("kiosk/oodi/oodi-2/upload", b'{"type": "end", "kiosk": "oodi-2"}') == "upload"
    assert desk.link.uploads.held() == (0, 0)


def test_two_desk_processes_on_one_postgresql_the_phone_at_one_the_kiosk_fetching_from_the_other(postgres, tmp_path):
    """Why links and files live in the database: the broker gives the kiosk's question to
    one desk process, the site's proxy gives the phone's post to another, and the kiosk's
    fetch may reach either."""
    from kiosk.desk.board import DeskApp
    from kiosk.desk.link import BrokerSettings, DeskLink
    from kiosk.desk.store import Store
    from kiosk.desk.web import serve
    from testbed.mosquitto import Broker

    accounts = ("desk-a", "desk-b")
    broker = Broker(SITES, extra_acl="".join(f"user {a}\ntopic read kiosk/oodi/#\ntopic write kiosk/oodi/+/events\n"
                                             for a in accounts)).start()
    url = postgres.database("phone_uploads")
    desks, help_ = [], None
    try:
        for account in accounts:
            store = Store(url)
            link = DeskLink(BrokerSettings("127.0.0.1", broker.port, account, broker.password(account), True,
                                           str(broker.ca_file)), ["oodi"], store, share=True, catch_up_s=0.5)
            link.start()
            board = DeskApp(store, link)
            desks.append((link, serve(board, "127.0.0.1", 0), store))
        wait_for(lambda: all(link.caught_up.is_set() for link, _server, _store in desks), 30)
        (_a, server_a, _sa), (link_b, server_b, _sb) = desks
        help_ = start_kiosk(broker, tmp_path)
        downloads, arrived = tmp_path / "downloads", []
        phone = PhoneUpload(help_, f"http://127.0.0.1:{server_a.port}", lambda: downloads,
                            https_fetcher(str(broker.ca_file)), TimerScheduler(), Immediate(), on_file=arrived.append)
        wait_for(lambda: help_.connected)
        phone.ask("fi")
        wait_for(lambda: phone.state == "ready")
        at_b = phone.url.replace(f":{server_a.port}/", f":{server_b.port}/")
        answer = send(at_b, "kuitti.jpg", photo())
        assert answer.status_code == 200 and '<html lang="fi">' in answer.text
        wait_for(lambda: arrived, 20)
        assert [p.name for p in downloads.iterdir()] == ["kuitti.pdf"]
        assert link_b.uploads.held() == (0, 1)
        phone.reset()
        wait_for(lambda: link_b.uploads.held() == (0, 0))
        assert httpx.get(phone.url or at_b).status_code == 410
    finally:
        if help_ is not None:
            help_.stop()
        for link, server, store in desks:
            server.shutdown()
            link.stop()
            store.close()
        broker.remove()


def test_a_photo_over_slow_wifi_may_take_longer_than_a_staff_request(broker, tmp_path):
    """The desk closes a connection whose request has not all arrived within `headers_s`; a
    file from a phone gets SLOW_BODY_S (a staff request's slow body is still cut off)."""
    import socket
    import time
    from urllib.parse import urlsplit

    with desk_in_process(broker, tmp_path, headers_s=1.0) as desk:
        help_ = start_kiosk(broker, tmp_path)
        try:
            phone = PhoneUpload(help_, desk.url, lambda: tmp_path / "downloads", https_fetcher(), TimerScheduler(),
                                Immediate())
            wait_for(lambda: help_.connected)
            url = urlsplit(a_link(phone))
            boundary = "----phone"
            body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\n"
                    f"Content-Type: image/jpeg\r\n\r\n").encode() + photo() + f"\r\n--{boundary}--\r\n".encode()

            def post(path: str, content_type: str) -> bytes:
                with socket.create_connection((url.hostname, url.port), timeout=10) as connection:
                    connection.sendall(f"POST {path} HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Type: {content_type}"
                                       f"\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body[:100])
                    time.sleep(1.5)  # a slow network: the rest after the request's deadline
                    try:
                        connection.sendall(body[100:])
                        return connection.recv(200)
                    except OSError:
                        return b""

            assert post(url.path, f"multipart/form-data; boundary={boundary}").startswith(b"HTTP/1.1 200")
            wait_for(lambda: list((tmp_path / "downloads").glob("a.pdf")))
            assert not post("/login", "application/x-www-form-urlencoded").startswith(b"HTTP/1.1 2")
        finally:
            help_.stop()
