"""The preview against a hostile tester: a TLS proxy in front, rotating addresses, weak tokens,
an audit log flooded from outside, and idle connections that try to starve the server.

The proxy is simulated with Flask's test client (`environ_base={"REMOTE_ADDR": …}` is the direct
peer); the connection limits are tested through waitress on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import dataclasses
import http.client
import json
import os
import re
import resource
import secrets
import socket
import time
import urllib.parse

import pytest
import waitress

from noticegen.preview import TOKEN_VARIABLE, access_token, create_app, running, security, serve
from noticegen.preview import server as preview_server
from noticegen.preview.audit import LIMIT_WINDOW_S, LIMITED_CLIENTS, AuditLog
from noticegen.preview.server import PreviewError
from tests.conftest import SAMPLE_UTF8

TOKEN = "correct-horse-battery-staple-0123"
PROXY = "10.0.0.1"
CLERK = "198.51.100.7"
ATTACKER = "203.0.113.5"
SITE = "preview.ward.example"


@pytest.fixture(autouse=True)
def no_token_in_the_environment(monkeypatch):
    monkeypatch.delenv(TOKEN_VARIABLE, raising=False)


def with_preview(config, **changes):
    return dataclasses.replace(config, preview=dataclasses.replace(config.preview, **changes))


@pytest.fixture()
def audit_path(tmp_path):
    return tmp_path / "audit.jsonl"


@pytest.fixture()
def proxied_app(config, audit_path):
    """The app behind a TLS proxy at 10.0.0.1 (and its colleague at 10.0.0.2, in a /31)."""
    app = create_app(
        SAMPLE_UTF8,
        with_preview(config, trusted_proxies=(PROXY, "10.0.0.2/31")),
        token=TOKEN,
        audit_log_path=audit_path,
    )
    yield app
    app.close()


@pytest.fixture()
def token_app(config, audit_path):
    app = create_app(SAMPLE_UTF8, config, token=TOKEN, audit_log_path=audit_path)
    yield app
    app.close()


def audit_entries(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def set_cookies(response) -> dict[str, str]:
    """name → the whole Set-Cookie header, for each cookie the response sets."""
    return {value.split("=", 1)[0]: value for value in response.headers.getlist("Set-Cookie")}


def cookie_value(set_cookie: str) -> str:
    return set_cookie.split(";", 1)[0].split("=", 1)[1]


def sign_in(app, token=TOKEN, peer="127.0.0.1", headers=None, base_url="http://localhost"):
    """GET the sign-in form and POST it, as a browser at `peer` (or a proxy there) would."""
    client = app.test_client(use_cookies=False)
    context = {"environ_base": {"REMOTE_ADDR": peer}, "base_url": base_url}
    form = client.get("/login", headers=dict(headers or {}), **context)
    assert form.status_code == 200
    csrf = re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)
    login_cookie = cookie_value(set_cookies(form)[security.LOGIN_CSRF_COOKIE])
    response = client.post(
        "/login",
        data={"csrf": csrf, "token": token, "next": "/"},
        headers={**(headers or {}), "Cookie": f"{security.LOGIN_CSRF_COOKIE}={login_cookie}"},
        **context,
    )
    return form, response


def through_proxy(client_address: str, *, proto="https", host: str | None = None) -> dict:
    """The headers the ward's TLS proxy adds for a browser at `client_address`."""
    headers = {"X-Forwarded-For": client_address, "X-Forwarded-Proto": proto}
    if host is not None:
        headers["X-Forwarded-Host"] = host
    return headers


# ---------------------------------------------------------------------------------------------
# Behind the TLS proxy


def test_behind_a_trusted_proxy_sign_in_over_https_works_with_a_secure_cookie(
    proxied_app, audit_path
):
    form, response = sign_in(
        proxied_app,
        peer=PROXY,
        headers={**through_proxy(CLERK), "Origin": f"https://{SITE}"},
        base_url=f"http://{SITE}",  # the proxy passes the browser's Host on
    )
    assert response.status_code == 303, response.text
    session_cookie = set_cookies(response)[security.SESSION_COOKIE]
    assert "secure" in [part.strip().lower() for part in session_cookie.split(";")]
    assert "secure" in set_cookies(form)[security.LOGIN_CSRF_COOKIE].lower()
    logins = [e for e in audit_entries(audit_path) if e["action"] == "login"]
    assert [e["client"] for e in logins] == [CLERK]


def test_through_waitress_the_proxys_headers_reach_the_app(config, audit_path):
    """waitress itself must not drop X-Forwarded-* (its default does): the app decides."""
    app = create_app(
        SAMPLE_UTF8,
        with_preview(config, trusted_proxies=("127.0.0.1",)),
        token=TOKEN,
        audit_log_path=audit_path,
    )
    try:
        with running(app) as url:
            port = int(url.rsplit(":", 1)[1])
            headers = {**through_proxy(CLERK, host=SITE), "Origin": f"https://{SITE}"}

            def request(method, body=None, cookie=""):
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                try:
                    connection.request(
                        method,
                        "/login",
                        body=body,
                        headers={
                            **headers,
                            "Cookie": cookie,
                            "Content-Type": "application/x-www-form-urlencoded",
                        },
                    )
                    response = connection.getresponse()
                    return response, response.read().decode()
                finally:
                    connection.close()

            form, text = request("GET")
            csrf = re.search(r'name="csrf" value="([^"]+)"', text).group(1)
            login_cookie = form.getheader("Set-Cookie")
            assert "secure" in login_cookie.lower()
            response, _ = request(
                "POST",
                body=urllib.parse.urlencode({"csrf": csrf, "token": TOKEN}),
                cookie=login_cookie.split(";", 1)[0],
            )
            assert response.status == 303
            assert "secure" in response.getheader("Set-Cookie").lower()
    finally:
        app.close()
    assert [e["client"] for e in audit_entries(audit_path) if e["action"] == "login"] == [CLERK]


def test_x_forwarded_host_from_the_proxy_is_the_origin_checked(proxied_app):
    # A proxy that talks to 127.0.0.1:8000 and says which name the browser used.
    _, response = sign_in(
        proxied_app,
        peer=PROXY,
        headers={**through_proxy(CLERK, host=SITE), "Origin": f"https://{SITE}"},
        base_url="http://127.0.0.1:8000",
    )
    assert response.status_code == 303
    _, response = sign_in(
        proxied_app,
        peer=PROXY,
        headers={**through_proxy(CLERK, host=SITE), "Origin": "https://evil.example"},
        base_url="http://127.0.0.1:8000",
    )
    assert response.status_code == 403


def test_forwarding_headers_from_an_untrusted_peer_are_ignored(proxied_app, audit_path):
    stranger = "192.0.2.50"
    form, response = sign_in(
        proxied_app,
        peer=stranger,
        headers={**through_proxy(CLERK, host=SITE), "Origin": f"https://{SITE}"},
        base_url=f"http://{SITE}",
    )
    # Not https, whatever it claims: the https origin is not this plain-http app's own.
    assert response.status_code == 403
    assert "secure" not in set_cookies(form)[security.LOGIN_CSRF_COOKIE].lower()
    _, response = sign_in(
        proxied_app, peer=stranger, token="wrong-" + TOKEN, headers=through_proxy(CLERK)
    )
    assert response.status_code == 401
    failed = [e for e in audit_entries(audit_path) if e["action"] == "login_failed"]
    assert [e["client"] for e in failed] == [stranger]


def test_without_trusted_proxies_no_one_can_claim_an_address(token_app, audit_path):
    _, response = sign_in(
        token_app, peer=PROXY, token="wrong-" + TOKEN, headers=through_proxy(CLERK)
    )
    assert response.status_code == 401
    assert [e["client"] for e in audit_entries(audit_path) if e["action"] == "login_failed"] == [
        PROXY
    ]


def test_an_untrusted_client_cannot_escape_its_throttle_by_rotating_x_forwarded_for(
    proxied_app,
):
    statuses = [
        sign_in(
            proxied_app,
            peer="192.0.2.50",
            token="wrong-" + TOKEN,
            headers={"X-Forwarded-For": f"198.51.100.{number}"},
        )[1].status_code
        for number in range(7)
    ]
    assert statuses == [401] * 5 + [429] * 2


def test_behind_the_proxy_one_attackers_lock_out_leaves_other_clerks_alone(proxied_app):
    statuses = [
        sign_in(proxied_app, peer=PROXY, token="wrong-" + TOKEN, headers=through_proxy(ATTACKER))[
            1
        ].status_code
        for _ in range(6)
    ]
    assert statuses == [401] * 5 + [429]
    _, attacker = sign_in(proxied_app, peer=PROXY, headers=through_proxy(ATTACKER))
    assert attacker.status_code == 429  # even the right token waits now
    _, clerk = sign_in(proxied_app, peer=PROXY, headers=through_proxy(CLERK))
    assert clerk.status_code == 303


def test_the_client_is_the_right_most_address_that_is_not_a_trusted_proxy(proxied_app, audit_path):
    # The client wrote "192.0.2.99" itself; the proxy appended the address it saw.
    for forwarded_for, expected in [
        (f"192.0.2.99, {CLERK}", CLERK),
        (f"192.0.2.99, {CLERK}, 10.0.0.3", CLERK),  # a second proxy in 10.0.0.2/31
        ("10.0.0.2, 10.0.0.3", "10.0.0.2"),  # from the proxies' own machines
        (f"{CLERK}, not-an-address, 10.0.0.3", "10.0.0.3"),  # a broken chain: no further
        ("", PROXY),
    ]:
        sign_in(
            proxied_app,
            peer=PROXY,
            token="wrong-" + TOKEN,
            headers={"X-Forwarded-For": forwarded_for},
        )
        assert audit_entries(audit_path)[-1]["client"] == expected, forwarded_for
        proxied_app.throttle.reset()


def test_proxy_headers_middleware_unit():
    seen = {}

    def inner(environ, start_response):
        seen.clear()
        seen.update(environ)
        return []

    middleware = security.ProxyHeaders(inner, security.trusted_networks(["127.0.0.1", "::1"]))
    base = {"wsgi.url_scheme": "http", "HTTP_HOST": "127.0.0.1:8000"}
    middleware(
        {
            **base,
            "REMOTE_ADDR": "::ffff:127.0.0.1",
            "HTTP_X_FORWARDED_FOR": "2001:db8::5, [2001:db8::7]:4711",
            "HTTP_X_FORWARDED_PROTO": "http, https",
            "HTTP_X_FORWARDED_HOST": "bad host<script>",
            "HTTP_FORWARDED": "for=192.0.2.1",
        },
        None,
    )
    assert seen["REMOTE_ADDR"] == "2001:db8::7"
    assert seen["wsgi.url_scheme"] == "https"
    assert seen["HTTP_HOST"] == "127.0.0.1:8000"  # a malformed host is not believed
    assert seen[security.PROXY_PEER] == "::ffff:127.0.0.1"
    assert not any(name in seen for name in security.FORWARDING_HEADERS)
    middleware({**base, "REMOTE_ADDR": "192.0.2.1", "HTTP_X_FORWARDED_FOR": "127.0.0.1"}, None)
    assert seen["REMOTE_ADDR"] == "192.0.2.1" and "HTTP_X_FORWARDED_FOR" not in seen


@pytest.mark.parametrize("entry", ["proxy.example", "10.0.0.300", "0.0.0.0/0", "::/0", ""])
def test_a_trusted_proxy_entry_that_is_not_an_address_is_refused(entry):
    with pytest.raises(ValueError, match=r"trusts every address|not an IP address"):
        security.trusted_networks([entry])


def test_same_origin_compares_scheme_host_and_port():
    assert security.same_origin("https://Preview.Example", "https", "preview.example")
    assert security.same_origin("http://127.0.0.1:8000", "http", "127.0.0.1:8000")
    assert not security.same_origin("https://preview.example:8443", "https", "preview.example")
    assert not security.same_origin("null", "http", "127.0.0.1:8000")
    assert not security.same_origin("https://preview.example.evil", "https", "preview.example")


# ---------------------------------------------------------------------------------------------
# Rotating addresses: the global failure budget


def test_sixty_rotating_addresses_get_no_more_than_the_global_budget_of_guesses(
    token_app, audit_path
):
    now = [1000.0]
    token_app.throttle = security.LoginThrottle(clock=lambda: now[0])
    budget = token_app.throttle.global_attempts
    _, before = sign_in(token_app, peer=CLERK)  # a clerk signed in before the attack
    session = cookie_value(set_cookies(before)[security.SESSION_COOKIE])

    statuses = [
        sign_in(token_app, peer=f"192.0.2.{number}", token=f"guess-{secrets.token_hex(12)}")[
            1
        ].status_code
        for number in range(1, 61)
        for _ in range(5)
    ]
    assert statuses.count(401) == budget  # tokens actually compared
    assert statuses.count(429) == 300 - budget

    _, late = sign_in(token_app, peer="198.51.100.200")  # a clerk with the right token
    assert late.status_code == 429 and "どなたも" in late.text
    page = token_app.test_client(use_cookies=False).get(
        "/", headers={"Cookie": f"{security.SESSION_COOKIE}={session}"}
    )
    assert page.status_code == 200  # open sessions keep working

    entries = audit_entries(audit_path)
    locked = [e for e in entries if e["action"] == "login_locked"]
    assert len(locked) == 1 and locked[0]["failures"] == budget
    assert sum(e["action"] == "login_failed" for e in entries) == budget
    throttled = [e for e in entries if e["action"] == "login_throttled"]
    assert len(throttled) <= LIMITED_CLIENTS  # counted, not one line each

    now[0] += token_app.throttle.global_lockout_seconds + 1
    _, after = sign_in(token_app, peer="198.51.100.200")
    assert after.status_code == 303


def test_the_throttle_remembers_a_bounded_number_of_clients():
    now = [0.0]
    throttle = security.LoginThrottle(max_clients=100, global_attempts=10**9, clock=lambda: now[0])
    for number in range(5000):
        throttle.failed(f"10.{number // 65536}.{number // 256 % 256}.{number % 256}")
    assert len(throttle) == 100
    for _ in range(5):
        throttle.failed("192.0.2.1")
    assert throttle.blocked("192.0.2.1") == "client"
    now[0] = throttle.window_seconds + 1
    assert throttle.blocked("192.0.2.1") is None


def test_an_ipv6_client_is_throttled_by_its_64_network():
    throttle = security.LoginThrottle()
    for host in range(5):
        throttle.failed(f"2001:db8:1:2::{host + 1}")
    assert throttle.blocked("2001:db8:1:2:ffff::1") == "client"
    assert throttle.blocked("2001:db8:1:3::1") is None


# ---------------------------------------------------------------------------------------------
# The token's strength


WEAK_TOKENS = [
    "aaaaaaaaaaaaaaaa",
    "0123456789abcdef",
    "abcdefghijklmnop",
    "Password12345678",
    "qwertyuiop123456",
    "Aa1!Aa1!Aa1!Aa1!",
    "passwordpassword",
    "aabbccddeeffgghh",
    "1234567890123456",
]


@pytest.mark.parametrize("token", WEAK_TOKENS)
def test_a_weak_token_is_refused(token):
    problem = security.token_problem(token)
    assert problem is not None and "too easy to guess" in problem
    assert "secrets.token_urlsafe(24)" in problem


@pytest.mark.parametrize("token", WEAK_TOKENS[:2])
def test_serve_refuses_a_weak_token_with_exit_2(token, monkeypatch, capsys):
    def refuse(*args, **kwargs):
        raise AssertionError("serve() tried to listen")

    monkeypatch.setattr(waitress, "create_server", refuse)
    monkeypatch.setenv(TOKEN_VARIABLE, token)
    assert serve(SAMPLE_UTF8, host="0.0.0.0") == 2
    err = capsys.readouterr().err
    assert err.startswith("noticegen: error: the preview access token is too easy to guess")
    assert err.count("\n") == 1 and token not in err


def test_access_token_and_create_app_refuse_a_weak_token(config, tmp_path, monkeypatch):
    monkeypatch.setenv(TOKEN_VARIABLE, "aaaaaaaaaaaaaaaa")
    with pytest.raises(PreviewError, match="too easy to guess"):
        access_token(None)
    with pytest.raises(ValueError, match="too easy to guess"):
        create_app(SAMPLE_UTF8, config, token="0123456789abcdef", audit_log_path=tmp_path / "a")


def test_generated_and_the_tests_tokens_are_accepted():
    for _ in range(500):
        assert security.token_problem(secrets.token_urlsafe(24)) is None
    for token in [TOKEN, "browser-test-token-0123456789", "from-the-config-file-0001"]:
        assert security.token_problem(token) is None


def test_a_short_token_is_still_told_its_length():
    assert "at least 16 characters" in security.token_problem("Zq3-vN8_rT1")


# ---------------------------------------------------------------------------------------------
# The audit log: rotation, floods, refused Host headers


def test_the_audit_log_rotates_by_size_keeping_a_number_of_private_files(tmp_path):
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, max_bytes=2048, keep=2)
    try:
        for number in range(200):
            log.record("view", client="127.0.0.1", household_id=f"H{number:04d}")
    finally:
        log.close()
    files = sorted(tmp_path.iterdir())
    assert [file.name for file in files] == ["audit.jsonl", "audit.jsonl.1", "audit.jsonl.2"]
    for file in files:
        assert os.stat(file).st_mode & 0o777 == 0o600
        assert 0 < file.stat().st_size <= 2048
    newest = [json.loads(line)["household_id"] for line in path.read_text().splitlines()]
    older = [json.loads(line)["household_id"] for line in files[1].read_text().splitlines()]
    assert newest[-1] == "H0199" and older[-1] == f"H{int(newest[0][1:]) - 1:04d}"


def test_the_audit_log_continues_an_existing_file_and_counts_its_size(tmp_path):
    path = tmp_path / "audit.jsonl"
    path.write_text("x" * 2000 + "\n")
    os.chmod(path, 0o600)
    log = AuditLog(path, max_bytes=2048, keep=1)
    log.record("login", client="127.0.0.1")
    log.close()
    assert (tmp_path / "audit.jsonl.1").read_text().startswith("xxx")
    assert json.loads(path.read_text())["action"] == "login"


def test_a_flood_of_refused_requests_is_counted_not_written_line_by_line(tmp_path):
    now = [0.0]
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path, clock=lambda: now[0])
    for _ in range(1000):
        log.record_limited("denied", client="192.0.2.1", endpoint="search")
    for number in range(500):  # rotating addresses
        log.record_limited("denied", client=f"198.51.100.{number % 250}", endpoint="search")
    assert len(path.read_text().splitlines()) == LIMITED_CLIENTS
    now[0] = LIMIT_WINDOW_S + 1
    log.record("view", client="127.0.0.1", household_id="H0001")
    log.close()
    entries = audit_entries(path)
    assert len(entries) <= 2 * LIMITED_CLIENTS + 2
    first = [e for e in entries if e["client"] == "192.0.2.1"]
    assert first[0]["endpoint"] == "search" and first[1]["repeated"] == 999
    assert first[1]["since"] == first[0]["time"]
    assert sum(e.get("repeated", 1) for e in entries if e["action"] == "denied") == 1500
    assert entries[-1]["action"] == "view"


def test_unauthenticated_requests_leave_one_line_a_minute_per_client(token_app, audit_path):
    client = token_app.test_client(use_cookies=False)
    for _ in range(50):
        assert client.get("/households/H0001/notice.pdf").status_code == 401
    denied = [e for e in audit_entries(audit_path) if e["action"] == "denied"]
    assert len(denied) == 1
    token_app.audit.close()
    denied = [e for e in audit_entries(audit_path) if e["action"] == "denied"]
    assert [e.get("repeated") for e in denied] == [None, 49]


def test_a_refused_host_header_is_logged_in_a_safe_form(config, tmp_path):
    audit_path = tmp_path / "audit.jsonl"
    app = create_app(SAMPLE_UTF8, config, audit_log_path=audit_path)
    try:
        client = app.test_client()
        long_name = "rebind-" + "x" * 200 + ".example"
        for peer, host in [("127.0.0.1", "evil.example:8000"), ("127.0.0.2", long_name)] * 3:
            response = client.get(
                "/households/H0001", headers={"Host": host}, environ_base={"REMOTE_ADDR": peer}
            )
            assert response.status_code == 400
            assert "試験".encode() not in response.data
    finally:
        app.close()
    refused = [e for e in audit_entries(audit_path) if e["action"] == "host_refused"]
    assert refused[0]["host"] == "evil.example:8000" and refused[0]["client"] == "127.0.0.1"
    assert refused[1]["host"] == ("rebind-" + "x" * 200)[:64] + "…"
    assert [e.get("repeated") for e in refused] == [None, None, 2, 2]  # once a minute, counted
    assert security.loggable_host('a"b\\c\n<d>\u3042') == "a?b?c??d??"


# ---------------------------------------------------------------------------------------------
# The configuration


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('trusted_proxies = ["proxy.example"]', "preview.trusted_proxies"),
        ('trusted_proxies = ["0.0.0.0/0"]', "preview.trusted_proxies"),
        ('trusted_proxies = "127.0.0.1"', "preview.trusted_proxies"),
        ("audit_log_keep = 0", "preview.audit_log_keep"),
        ("audit_log_keep = 2.5", "preview.audit_log_keep"),
        ("audit_log_max_mb = 0.01", "preview.audit_log_max_mb"),
    ],
)
def test_bad_new_preview_options_exit_2(text, key, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(waitress, "create_server", lambda *a, **k: pytest.fail("listened"))
    config = tmp_path / "config.toml"
    config.write_text(f"[preview]\n{text}\n")
    assert serve(SAMPLE_UTF8, config_path=config) == 2
    err = capsys.readouterr().err
    assert key in err and err.count("\n") == 1


def test_trusted_proxies_without_a_token_exit_2(tmp_path, capsys, monkeypatch, config):
    monkeypatch.setattr(waitress, "create_server", lambda *a, **k: pytest.fail("listened"))
    path = tmp_path / "config.toml"
    path.write_text('[preview]\ntrusted_proxies = ["127.0.0.1"]\n')
    assert serve(SAMPLE_UTF8, config_path=path) == 2
    assert "trusted_proxies" in capsys.readouterr().err
    with pytest.raises(ValueError, match="trusted_proxies"):
        create_app(
            SAMPLE_UTF8,
            with_preview(config, trusted_proxies=("127.0.0.1",)),
            audit_log_path=tmp_path / "audit.jsonl",
        )


def test_the_shipped_defaults_trust_no_proxy_and_bound_the_audit_log(config):
    assert config.preview.trusted_proxies == ()
    assert config.preview.audit_log_max_mb == 10 and config.preview.audit_log_keep == 5


# ---------------------------------------------------------------------------------------------
# Idle and half-open connections (waitress)


# Both sides of 210 connections are in this process: each needs a file descriptor.
needs_descriptors = pytest.mark.skipif(
    resource.getrlimit(resource.RLIMIT_NOFILE)[0] < 1024, reason="fewer than 1024 open files"
)


@needs_descriptors
def test_waitress_is_configured_to_bound_idle_connections(token_app):
    server = preview_server.make_server(token_app, "127.0.0.1", 0)
    try:
        adjustments = server.adj
        assert adjustments.channel_timeout <= 10 and adjustments.cleanup_interval <= 2
        assert 250 <= adjustments.connection_limit <= preview_server.CONNECTION_LIMIT
        assert adjustments.max_request_body_size <= 64 * 1024
        assert adjustments.asyncore_use_poll
    finally:
        server.close()
        server.task_dispatcher.shutdown()


@needs_descriptors
def test_210_idle_connections_do_not_starve_a_real_request(token_app):
    sockets: list[socket.socket] = []
    with running(token_app) as url:
        port = int(url.rsplit(":", 1)[1])
        try:
            for number in range(210):
                sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                if number % 2:  # half of them start a request and never finish it
                    sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                sockets.append(sock)
            time.sleep(0.5)  # let the server take them all
            # Starved, the request would wait for a free slot for as long as the idle sockets
            # last (20 s and more with waitress's defaults): the 5 s timeout would fail it.
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                connection.request("GET", "/login")
                response = connection.getresponse()
                response.read()
            finally:
                connection.close()
            assert response.status == 200

            # And the idle ones do not stay: the server closes them after a few seconds.
            idle = sockets[0]
            idle.settimeout(
                preview_server.CHANNEL_TIMEOUT_S + 2 * preview_server.CLEANUP_INTERVAL_S + 5
            )
            started = time.monotonic()
            with contextlib.suppress(ConnectionResetError):
                assert idle.recv(1) == b""
            assert time.monotonic() - started < preview_server.CHANNEL_TIMEOUT_S + 4
        finally:
            for sock in sockets:
                sock.close()
