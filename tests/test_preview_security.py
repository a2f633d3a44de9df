"""The preview's safety: where it may listen, the access token, sign-in, sessions and CSRF.

`serve` is run for real (in a subprocess, as `noticegen preview` runs it) and the token-protected
app through waitress on 127.0.0.1, so the cookies and redirects are those a browser gets.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import urllib.parse

import pytest
import waitress

from noticegen import project
from noticegen.preview import TOKEN_VARIABLE, access_token, create_app, running, security, serve
from noticegen.preview.server import PreviewError
from tests.conftest import SAMPLE_UTF8

TOKEN = "correct-horse-battery-staple-0123"


@pytest.fixture(autouse=True)
def no_token_in_the_environment(monkeypatch):
    monkeypatch.delenv(TOKEN_VARIABLE, raising=False)


@pytest.fixture()
def no_binding(monkeypatch):
    """Fails the test if serve() got as far as opening a socket."""

    def refuse(*args, **kwargs):
        raise AssertionError("serve() tried to listen")

    monkeypatch.setattr(waitress, "create_server", refuse)


@pytest.fixture(scope="module")
def audit_path(tmp_path_factory):
    return tmp_path_factory.mktemp("audit") / "audit.jsonl"


@pytest.fixture(scope="module")
def token_app(config, audit_path):
    app = create_app(SAMPLE_UTF8, config, token=TOKEN, audit_log_path=audit_path)
    yield app
    app.close()


@pytest.fixture(scope="module")
def base_url(token_app):
    with running(token_app) as url:
        yield url


def request(base_url, method, path, body=None, headers=None):
    parts = urllib.parse.urlsplit(base_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        encoded = urllib.parse.urlencode(body).encode() if body is not None else None
        all_headers = dict(headers or {})
        if encoded is not None:
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=encoded, headers=all_headers)
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


def cookies_from(response) -> dict[str, str]:
    """name → the whole Set-Cookie header, for each cookie the response sets."""
    return {
        value.split("=", 1)[0]: value
        for name, value in response.getheaders()
        if name.lower() == "set-cookie"
    }


def cookie_value(set_cookie: str) -> str:
    return set_cookie.split(";", 1)[0].split("=", 1)[1]


def sign_in(base_url, token=TOKEN, next_path="/") -> tuple[http.client.HTTPResponse, str | None]:
    form, body = request(base_url, "GET", "/login")
    login_cookie = cookies_from(form)[security.LOGIN_CSRF_COOKIE]
    csrf = re.search(rb'name="csrf" value="([^"]+)"', body).group(1).decode()
    response, _ = request(
        base_url,
        "POST",
        "/login",
        body={"csrf": csrf, "token": token, "next": next_path},
        headers={"Cookie": f"{security.LOGIN_CSRF_COOKIE}={cookie_value(login_cookie)}"},
    )
    session = cookies_from(response).get(security.SESSION_COOKIE)
    return response, cookie_value(session) if session else None


# ---------------------------------------------------------------------------------------------
# Where it listens


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.10", "preview.example", "10.0.0.1"])
def test_a_non_loopback_address_without_a_token_exits_2(host, capsys, no_binding, tmp_path):
    assert serve(SAMPLE_UTF8, host=host, port=8000) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "token" in err and host in err


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "localhost", "::1", "[::1]"])
def test_loopback_addresses_need_no_token(host):
    assert security.is_loopback(host)


@pytest.mark.parametrize(
    "make_input", [lambda tmp: tmp / "missing.csv", lambda tmp: tmp, lambda tmp: empty_file(tmp)]
)
def test_an_unreadable_input_exits_2_in_one_line(make_input, tmp_path, capsys, no_binding):
    assert serve(make_input(tmp_path), config_path=None) == 2
    err = capsys.readouterr().err
    assert err.startswith("noticegen: error: ") and err.count("\n") == 1


def empty_file(tmp):
    path = tmp / "empty.csv"
    path.write_bytes(b"")
    return path


def test_a_short_token_is_refused(monkeypatch, capsys, no_binding):
    monkeypatch.setenv(TOKEN_VARIABLE, "short")
    assert serve(SAMPLE_UTF8, host="0.0.0.0") == 2
    assert "at least 16 characters" in capsys.readouterr().err


def test_an_audit_log_that_cannot_be_written_exits_2(tmp_path, capsys, no_binding):
    config = tmp_path / "config.toml"
    config.write_text(f'[preview]\naudit_log = "{tmp_path}/no/such/folder/audit.jsonl"\n')
    assert serve(SAMPLE_UTF8, config_path=config) == 2
    assert "audit log" in capsys.readouterr().err


def test_bad_preview_options_exit_2(tmp_path, capsys, no_binding):
    config = tmp_path / "config.toml"
    config.write_text("[preview]\nrender_processes = 1.5\n")
    assert serve(SAMPLE_UTF8, config_path=config) == 2
    assert "preview.render_processes" in capsys.readouterr().err


def test_create_app_refuses_a_short_token(config, tmp_path):
    with pytest.raises(ValueError, match="at least 16"):
        create_app(SAMPLE_UTF8, config, token="short", audit_log_path=tmp_path / "audit.jsonl")


def test_token_from_configuration_and_the_environment_overrides_it(tmp_path, monkeypatch):
    assert access_token(None) is None  # the shipped configuration sets none
    config = tmp_path / "config.toml"
    config.write_text('[preview]\ntoken = "from-the-config-file-0001"\n')
    assert access_token(config) == "from-the-config-file-0001"
    monkeypatch.setenv(TOKEN_VARIABLE, "from-the-environment-0001")
    assert access_token(config) == "from-the-environment-0001"
    monkeypatch.setenv(TOKEN_VARIABLE, "")
    assert access_token(config) == "from-the-config-file-0001"
    config.write_text('[preview]\ntoken = "too-short"\n')
    with pytest.raises(PreviewError):
        access_token(config)


def test_the_token_is_not_part_of_the_settings_or_their_digest(tmp_path):
    from noticegen import settings

    config = tmp_path / "config.toml"
    config.write_text('[preview]\ntoken = "from-the-config-file-0001"\n')
    loaded = settings.load(config)
    assert "from-the-config-file-0001" not in repr(loaded)
    assert loaded.digest == settings.load().digest


def test_serve_listens_on_loopback_answers_and_stops_on_sigterm(tmp_path):
    """`serve` as `noticegen preview` runs it: started, asked for a page, stopped with SIGTERM."""
    audit = tmp_path / "audit.jsonl"
    config = tmp_path / "config.toml"
    config.write_text(f'[preview]\naudit_log = "{audit}"\n')
    code = (
        "import logging, sys; from noticegen.preview import serve; "
        "logging.basicConfig(format='noticegen: %(levelname)s: %(message)s', level=logging.INFO); "
        f"sys.exit(serve({str(SAMPLE_UTF8)!r}, '127.0.0.1', 0, {str(config)!r}))"
    )
    environment = {**os.environ, "PYTHONPATH": str(project.ROOT)}
    environment.pop(TOKEN_VARIABLE, None)
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
        env=environment,
    )
    try:
        line = process.stderr.readline()
        match = re.search(r"listening on http://127\.0\.0\.1:(\d+)/", line)
        assert match, line
        assert "loopback only" in line
        response, body = request(f"http://127.0.0.1:{match.group(1)}", "GET", "/households/H0001")
        assert response.status == 200 and "試験 結衣".encode() in body
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()
    assert [json.loads(line)["action"] for line in audit.read_text().splitlines()] == ["view"]


# ---------------------------------------------------------------------------------------------
# With a token


@pytest.mark.parametrize("path", ["/", "/?q=H0001", "/households/H0001", "/problems"])
def test_pages_without_a_session_redirect_to_sign_in(base_url, path):
    response, body = request(base_url, "GET", path)
    assert response.status == 303
    location = response.getheader("Location")
    assert location.startswith("/login?next=")
    assert "試験".encode() not in body


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/households/H0001/notice.pdf"),
        ("GET", "/households/H0001/pages/1.png"),
        ("POST", "/logout"),
        ("GET", "/no-such-page"),
    ],
)
def test_other_requests_without_a_session_get_401(base_url, method, path):
    response, body = request(base_url, method, path)
    assert response.status == 401
    assert b"%PDF" not in body and b"PNG" not in body


def test_a_forged_session_cookie_gets_nothing(base_url):
    response, _ = request(
        base_url,
        "GET",
        "/households/H0001/notice.pdf",
        headers={"Cookie": f"{security.SESSION_COOKIE}=forged"},
    )
    assert response.status == 401


def test_sign_in_sets_an_httponly_samesite_strict_session_cookie(base_url, audit_path):
    response, session = sign_in(base_url, next_path="/households/H0001?lang=ja")
    assert response.status == 303
    assert response.getheader("Location") == "/households/H0001?lang=ja"
    set_cookie = cookies_from(response)[security.SESSION_COOKIE]
    attributes = [part.strip().lower() for part in set_cookie.split(";")]
    assert "httponly" in attributes
    assert "samesite=strict" in attributes
    assert "path=/" in attributes
    page, body = request(
        base_url, "GET", "/households/H0001", headers={"Cookie": f"noticegen_session={session}"}
    )
    assert page.status == 200 and "試験 結衣".encode() in body
    assert b"\xe3\x83\xad\xe3\x82\xb0\xe3\x82\xa2\xe3\x82\xa6\xe3\x83\x88" in body  # ログアウト
    entries = [json.loads(line) for line in audit_path.read_text().splitlines()]
    assert any(e["action"] == "login" and e["session"] for e in entries)
    view = [e for e in entries if e["action"] == "view" and e["household_id"] == "H0001"][-1]
    assert view["session"] and len(view["session"]) == 12 and view["session"] not in session


def test_a_wrong_token_is_refused_and_repeated_tries_are_throttled(token_app, base_url):
    token_app.throttle.succeeded("127.0.0.1")
    try:
        statuses = [sign_in(base_url, token="wrong-token-wrong-token")[0].status for _ in range(6)]
        assert statuses == [401] * 5 + [429]
        response, session = sign_in(base_url)  # even the right token waits now
        assert response.status == 429 and session is None
    finally:
        token_app.throttle.succeeded("127.0.0.1")


def test_sign_in_needs_the_forms_csrf_token(base_url):
    response, _ = request(base_url, "POST", "/login", body={"token": TOKEN})
    assert response.status == 400
    assert security.SESSION_COOKIE not in cookies_from(response)
    _, body = request(base_url, "GET", "/login")
    csrf = re.search(rb'name="csrf" value="([^"]+)"', body).group(1).decode()
    response, _ = request(  # the form's token, but not the browser's cookie
        base_url, "POST", "/login", body={"csrf": csrf, "token": TOKEN}
    )
    assert response.status == 400


def test_a_form_posted_from_another_site_is_refused(base_url):
    form, body = request(base_url, "GET", "/login")
    csrf = re.search(rb'name="csrf" value="([^"]+)"', body).group(1).decode()
    login_cookie = cookie_value(cookies_from(form)[security.LOGIN_CSRF_COOKIE])
    response, _ = request(
        base_url,
        "POST",
        "/login",
        body={"csrf": csrf, "token": TOKEN},
        headers={
            "Cookie": f"{security.LOGIN_CSRF_COOKIE}={login_cookie}",
            "Origin": "http://evil.example",
        },
    )
    assert response.status == 403


def test_sign_out_needs_csrf_and_ends_the_session(base_url):
    _, session = sign_in(base_url)
    cookie = {"Cookie": f"{security.SESSION_COOKIE}={session}"}
    response, _ = request(base_url, "POST", "/logout", body={"csrf": "guess"}, headers=cookie)
    assert response.status == 400
    _, body = request(base_url, "GET", "/", headers=cookie)
    csrf = re.search(rb'name="csrf" value="([^"]+)"', body).group(1).decode()
    response, _ = request(base_url, "POST", "/logout", body={"csrf": csrf}, headers=cookie)
    assert response.status == 303 and response.getheader("Location") == "/login"
    after, _ = request(base_url, "GET", "/households/H0001", headers=cookie)
    assert after.status == 303


def test_the_next_page_after_sign_in_is_on_this_app_only():
    for target in ["//evil.example/", "https://evil.example/", "/\\evil.example", "", None, "x"]:
        assert security.safe_next(target) == "/"
    assert security.safe_next("/households/H0001?lang=ja") == "/households/H0001?lang=ja"


def test_sessions_end_when_idle_and_after_a_working_day():
    now = [0.0]
    sessions = security.Sessions(idle_seconds=60, clock=lambda: now[0])
    session = sessions.create()
    now[0] = 59
    assert sessions.get(session.id) is session
    now[0] = 59 + 61
    assert sessions.get(session.id) is None

    now[0] = 0.0
    busy = security.Sessions(idle_seconds=3600, clock=lambda: now[0])
    active = busy.create()
    for moment in range(0, int(security.SESSION_MAX_AGE_S), 1800):
        now[0] = moment
        assert busy.get(active.id) is active
    now[0] = security.SESSION_MAX_AGE_S + 1
    assert busy.get(active.id) is None


def test_sign_in_page_has_the_security_headers(base_url):
    response, body = request(base_url, "GET", "/login")
    assert response.status == 200
    assert response.getheader("Content-Security-Policy") == security.CONTENT_SECURITY_POLICY
    assert response.getheader("X-Content-Type-Options") == "nosniff"
    assert "no-store" in response.getheader("Cache-Control")
    assert response.getheader("Server") == "noticegen"
    assert b'<label for="token">' in body


# ---------------------------------------------------------------------------------------------
# Without a token: loopback names only (DNS rebinding)


def test_without_a_token_only_loopback_host_names_are_answered(config, tmp_path):
    app = create_app(SAMPLE_UTF8, config, audit_log_path=tmp_path / "audit.jsonl")
    try:
        with running(app) as url:
            for host in ["evil.example", "evil.example:8000", "192.0.2.1"]:
                response, body = request(url, "GET", "/households/H0001", headers={"Host": host})
                assert response.status == 400, host
                assert "試験".encode() not in body
            for host in ["127.0.0.1:8000", "localhost:8000", "[::1]:8000", "localhost"]:
                response, _ = request(url, "GET", "/", headers={"Host": host})
                assert response.status == 200, host
    finally:
        app.close()
