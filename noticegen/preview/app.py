"""The staff preview's web application: search, a household's notice, its PDF, and sign-in.

Every route is fixed. What a request names is only ever a key into what the app read when it
started (a household id, one of the locales that existed then, a page number), never part of a
file path: the member file, the locales and the stylesheet are read once, and the templates are
loaded by names written here. Pages are server-rendered HTML with no script, so the Content
Security Policy can forbid scripts altogether.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Any, cast

import flask
import jinja2
from flask import Response, abort, current_app, g, redirect, request, url_for
from werkzeug.exceptions import HTTPException

from noticegen import i18n, locales, project, records
from noticegen.preview import security
from noticegen.preview.audit import AuditLog
from noticegen.preview.directory import MAX_QUERY_LENGTH, Directory
from noticegen.preview.renders import MAILED, Edition, Notices, RenderBusy, Renderer
from noticegen.settings import ConfigError, Settings

log = logging.getLogger("noticegen.preview")

TEMPLATES = project.TEMPLATES / "preview"
LIST_LIMIT = 500  # rows per list on the problems page


# Endpoints reachable without signing in (when a token is set), and the pages a browser is sent
# to the sign-in form from (anything else gets a plain 401).
PUBLIC_ENDPOINTS = frozenset({"login", "stylesheet", "favicon"})
PAGE_ENDPOINTS = frozenset({"search", "household", "problems"})
# Audit actions anyone can cause without signing in, as often as they like: rate-limited per client
# (AuditLog.record_limited). Wrong tokens are not among them: the throttle bounds those.
LIMITED_ACTIONS = frozenset({"denied", "host_refused", "login_throttled", "login_bad_form"})


def language_name(code: str) -> tuple[str, str]:
    """A language by its Japanese name (for the clerk) and in its own script (for the resident)."""
    try:
        locale = locales.get(code)
    except locales.UnknownLocaleError:
        return code, code
    return locale.japanese_name, locale.native_name


class PreviewApp(flask.Flask):
    """The Flask app with what it read at start; `close()` stops its render processes."""

    directory: Directory
    settings: Settings
    notices: Notices
    renderer: Renderer
    audit: AuditLog
    token: str | None
    locales: tuple[str, ...]
    sessions: security.Sessions
    throttle: security.LoginThrottle
    trusted_proxies: tuple[security.IPNetwork, ...]
    pages: jinja2.Environment
    stylesheet: bytes

    def close(self) -> None:
        self.renderer.close()
        self.audit.close()


def create_app(
    member_file_path: Path | str,
    settings: Settings,
    token: str | None = None,
    audit_log_path: Path | str | None = None,
    *,
    encoding: str | None = None,
    render_processes: int | None = None,
    today: dt.date | None = None,
) -> PreviewApp:
    """The preview of one member file, read now (records.InputError if it cannot be).

    Without `token` the app answers only requests addressed to a loopback name; with one, every
    request but the sign-in form needs a session. `audit_log_path` defaults to
    `[preview] audit_log`; `render_processes` to `[preview] render_processes`.
    """
    problem = security.token_problem(token) if token else None
    if problem is not None:
        raise ValueError(problem)
    options = settings.preview
    # ValueError for a malformed entry (serve reports it as a configuration error first).
    trusted_proxies = security.trusted_networks(options.trusted_proxies)
    if trusted_proxies and not token:
        raise ValueError("[preview] trusted_proxies needs an access token")
    app = PreviewApp(__name__, static_folder=None, template_folder=None)
    app.config.update(MAX_CONTENT_LENGTH=16 * 1024, MAX_FORM_MEMORY_SIZE=16 * 1024)
    app.settings = settings
    app.directory = Directory.read(member_file_path, settings, encoding, today)
    app.locales = i18n.available_locales()
    app.notices = Notices(settings, app.locales, app.directory.sequence)
    if options.render_queue != int(options.render_queue) or not 1 <= options.render_queue <= 64:
        raise ConfigError("preview.render_queue", "must be a whole number, 1 to 64")
    if not 1 <= options.render_wait_s <= 120:
        raise ConfigError("preview.render_wait_s", "must be between 1 and 120 (seconds)")
    app.renderer = Renderer(
        render_processes or int(options.render_processes),
        int(options.cache_mb * 1024 * 1024),
        settings,
        queue_per_process=int(options.render_queue),
        wait_s=options.render_wait_s,
    )
    app.audit = AuditLog(
        audit_log_path or options.audit_log,
        max_bytes=int(options.audit_log_max_mb * 1024 * 1024),
        keep=int(options.audit_log_keep),
    )
    app.token = token or None
    app.sessions = security.Sessions(idle_seconds=options.session_idle_minutes * 60)
    app.throttle = security.LoginThrottle()
    # Always in place: without trusted proxies it removes every X-Forwarded-* header.
    app.trusted_proxies = trusted_proxies
    app.wsgi_app = security.ProxyHeaders(app.wsgi_app, trusted_proxies)  # type: ignore[method-assign]
    app.pages = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    app.stylesheet = (TEMPLATES / "preview.css").read_bytes()
    _add_routes(app)
    return app


def _app() -> PreviewApp:
    return cast(PreviewApp, current_app)


def _page(template: str, code: int = 200, **context: Any) -> Response:
    app = _app()
    session = g.get("session")
    markup = app.pages.get_template(template).render(
        url_for=url_for,
        signed_in=session is not None,
        logout_csrf=session.csrf if session is not None else "",
        language_name=language_name,
        **context,
    )
    return Response(markup, code, mimetype="text/html")


def _audit(action: str, household_id: str | None = None, **details: Any) -> None:
    session = g.get("session")
    if session is None and household_id is None and action in LIMITED_ACTIONS:
        # What anyone can cause without signing in: at most a line a minute per client.
        _app().audit.record_limited(action, client=request.remote_addr or "-", **details)
        return
    _app().audit.record(
        action,
        client=request.remote_addr or "-",
        household_id=household_id,
        session=session.reference if session is not None else None,
        **details,
    )


def _edition() -> Edition:
    """The edition a request asks for: as mailed (the default) or one of the locales read at
    start; large print 0 or 1."""
    locale = request.args.get("lang", MAILED)
    if locale != MAILED and locale not in _app().locales:
        abort(400, description="その言語のお知らせはありません。言語は一覧から選んでください。")
    large = request.args.get("large", "0")
    if large not in ("0", "1"):
        abort(400, description="大きな文字版の指定が正しくありません。")
    return Edition(locale, large == "1")


def _edition_args(edition: Edition) -> dict[str, str]:
    return {"lang": edition.locale, **({"large": "1"} if edition.large_print else {})}


def _add_routes(app: PreviewApp) -> None:
    @app.before_request
    def guard() -> Response | None:
        g.session = None
        if app.token is None:
            # Loopback only: a page on another site that points its own name at 127.0.0.1
            # (DNS rebinding) must not read the preview.
            if not security.is_loopback(security.host_name(request.host)):
                _audit("host_refused", host=security.loggable_host(request.host))
                # Plain text: the page template builds URLs, which a malformed Host can break.
                return Response("このアドレスでは使えません。\n", 400, mimetype="text/plain")
            return None
        g.session = app.sessions.get(request.cookies.get(security.SESSION_COOKIE))
        if g.session is not None or request.endpoint in PUBLIC_ENDPOINTS:
            return None
        _audit("denied", endpoint=request.endpoint or "-")
        if request.method == "GET" and request.endpoint in PAGE_ENDPOINTS:
            return redirect(url_for("login", next=request.full_path.rstrip("?")), 303)
        return _page(
            "error.html.j2", 401, status=401, message="ログインしてください。", show_menu=False
        )

    @app.after_request
    def headers(response: Response) -> Response:
        for name, value in security.SECURITY_HEADERS.items():
            response.headers[name] = value
        if "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = security.NO_STORE
            response.headers["Pragma"] = "no-cache"
        return response

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        messages = {
            404: "ページが見つかりません。",
            405: "この操作はできません。",
            413: "送信された内容が大きすぎます。",
        }
        message = messages.get(error.code or 500) or error.description or "エラーが発生しました。"
        response = _page("error.html.j2", error.code or 500, status=error.code, message=message)
        if error.code == 405:
            response.headers["Allow"] = ", ".join(error.valid_methods or ())  # type: ignore[attr-defined]
        return response

    @app.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        household_id = (request.view_args or {}).get("household_id")
        known = household_id in app.directory.households
        # The type only: an exception's message might quote personal data.
        log.error(
            "unexpected failure in %s (household %s): %s",
            request.endpoint,
            household_id if known else "-",
            type(error).__name__,
        )
        return _page(
            "error.html.j2",
            500,
            status=500,
            message="予期しないエラーが発生しました。システム担当に連絡してください。",
        )

    @app.get("/preview.css")
    def stylesheet() -> Response:
        response = Response(app.stylesheet, mimetype="text/css")
        response.headers["Cache-Control"] = "private, max-age=3600"
        return response

    @app.get("/favicon.ico")
    def favicon() -> Response:
        return Response(status=204)  # no icon, and no 404 in every browser's console

    @app.get("/")
    def search() -> Response:
        query = request.args.get("q", "")[:MAX_QUERY_LENGTH]
        result = app.directory.search(query) if query.strip() else None
        if result is not None:
            _audit("search", results=len(result.found), more=result.more)
        return _page("search.html.j2", query=query, result=result, directory=app.directory)

    @app.get("/problems")
    def problems() -> Response:
        _audit("list_problems")
        directory = app.directory
        return _page(
            "problems.html.j2",
            directory=directory,
            rejections=list(directory.rejections.values())[:LIST_LIMIT],
            with_warnings=directory.with_warnings()[:LIST_LIMIT],
            limit=LIST_LIMIT,
        )

    @app.get("/households/<household_id>")
    def household(household_id: str) -> Response:
        edition = _edition()  # a bad edition is a bad request, even for a rejected household
        found = app.directory.household(household_id)
        if found is None:
            rejection = app.directory.rejection(household_id)
            if rejection is None:
                _audit("not_found")
                abort(404)
            _audit("view", rejection.household_id, outcome="rejected")
            return _page("rejection.html.j2", rejection=rejection)
        # The view only (built here in milliseconds, or kept): this page never waits for a render.
        prepared = app.notices.prepared(found, edition)
        _audit("view", found.household_id, lang=edition.locale, large_print=edition.large_print)
        listed = found.household_id in app.settings.large_print.households
        args = _edition_args(edition)
        # The languages of the notice as mailed, decided as notice.make_all decides them.
        mailed_in = (
            (i18n.SOURCE_LOCALE, found.language)
            if found.language is not None and found.language in app.locales
            else (i18n.SOURCE_LOCALE,)
        )
        return _page(
            "household.html.j2",
            household=found,
            prepared=prepared,
            edition=edition,
            mailed=MAILED,
            mailed_in=mailed_in,
            seq=app.directory.sequence[found.household_id],
            large_print=edition.large_print or listed,
            listed_large_print=listed,
            locales=app.locales,
            preferred=found.language,
            pdf_url=url_for("notice_pdf", household_id=found.household_id, **args),
            image_urls=[
                url_for("page_image", household_id=found.household_id, page=number, **args)
                for number in range(1, prepared.page_count + 1)
            ],
        )

    @app.errorhandler(RenderBusy)
    def render_busy(busy: RenderBusy) -> Response:
        response = _page(
            "error.html.j2",
            503,
            status=503,
            message=(
                "ただいまお知らせの作成が混み合っています。"
                f"{busy.retry_after}秒ほど待ってから、ページを再読み込みしてください。"
            ),
        )
        response.headers["Retry-After"] = str(busy.retry_after)
        return response

    def rendered(household_id: str, page: int | None = None):
        """The household, the edition and its render; RenderBusy (503) when renders are busy.
        A request never builds a view while the queue is full, and never waits long."""
        edition = _edition()
        found = app.directory.household(household_id)
        if found is None:
            _audit("not_found")
            abort(404)
        prepared = app.notices.cached(found, edition)
        if prepared is None:
            app.renderer.check_room()
            prepared = app.notices.prepared(found, edition)
        if page is not None and not 1 <= page <= prepared.page_count:
            abort(404)
        return found, edition, app.renderer.rendered(prepared)

    @app.get("/households/<household_id>/pages/<int:page>.png")
    def page_image(household_id: str, page: int) -> Response:
        found, edition, notice = rendered(household_id, page)
        _audit(
            "page_image",
            found.household_id,
            lang=edition.locale,
            large_print=edition.large_print,
            page=page,
        )
        return Response(notice.pages[page - 1], mimetype="image/png")

    @app.get("/households/<household_id>/notice.pdf")
    def notice_pdf(household_id: str) -> Response:
        found, edition, notice = rendered(household_id)
        _audit(
            "download_pdf", found.household_id, lang=edition.locale, large_print=edition.large_print
        )
        # The id passed records' check ([0-9A-Za-z-]); the locale is one of the app's own.
        name = f"{found.household_id}-{edition.locale}{'-large' if edition.large_print else ''}.pdf"
        if not records.HOUSEHOLD_ID.match(found.household_id):
            name = "notice.pdf"
        response = Response(notice.pdf, mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    @app.route("/login", methods=["GET", "POST"])
    def login() -> Response:
        if app.token is None:
            abort(404)
        target = security.safe_next(request.values.get("next"))
        if g.session is not None:
            return redirect(target, 303)
        if request.method == "GET":
            return _login_form(target)
        _check_same_origin()
        client = request.remote_addr or "-"
        blocked = app.throttle.blocked(client)
        if blocked == "all":
            _audit("login_throttled", scope="all")
            return _login_form(
                target,
                429,
                "間違ったアクセストークンが多く送られたため、しばらくの間どなたもログインできません。"
                "15分ほど待ってください。続く場合はシステム担当に連絡してください。",
            )
        if blocked == "client":
            _audit("login_throttled", scope="client")
            return _login_form(
                target, 429, "続けて間違えたため、しばらく受け付けません。5分ほど待ってください。"
            )
        form_csrf = request.form.get("csrf", "")
        cookie_csrf = request.cookies.get(security.LOGIN_CSRF_COOKIE, "")
        if not (form_csrf and cookie_csrf and security.tokens_equal(form_csrf, cookie_csrf)):
            _audit("login_bad_form")
            return _login_form(
                target, 400, "画面の有効期限が切れました。もう一度入力してください。"
            )
        if not security.tokens_equal(request.form.get("token", ""), app.token):
            _audit("login_failed")
            if app.throttle.failed(client):
                log.warning(
                    "%d wrong access tokens within %d s: sign-in refused for everyone for %d s",
                    app.throttle.global_attempts,
                    app.throttle.global_window_seconds,
                    app.throttle.global_lockout_seconds,
                )
                _audit(
                    "login_locked",
                    failures=app.throttle.global_attempts,
                    within_s=int(app.throttle.global_window_seconds),
                    locked_s=int(app.throttle.global_lockout_seconds),
                )
            return _login_form(target, 401, "アクセストークンが違います。")
        app.throttle.succeeded(client)
        g.session = app.sessions.create()
        _audit("login")
        response = redirect(target, 303)
        response.set_cookie(
            security.SESSION_COOKIE,
            g.session.id,
            httponly=True,
            samesite="Strict",
            secure=request.is_secure,
            path="/",
        )
        response.delete_cookie(security.LOGIN_CSRF_COOKIE, path="/login")
        return response

    @app.post("/logout")
    def logout() -> Response:
        _check_same_origin()
        session = g.session
        form_csrf = request.form.get("csrf", "")
        if session is None or not security.tokens_equal(form_csrf, session.csrf):
            abort(400, description="画面の有効期限が切れました。もう一度お試しください。")
        _audit("logout")
        app.sessions.end(session.id)
        g.session = None
        response = redirect(url_for("login"), 303)
        response.delete_cookie(security.SESSION_COOKIE, path="/")
        return response


def _login_form(target: str, status: int = 200, error: str | None = None) -> Response:
    csrf = security.new_csrf_token()
    response = _page("login.html.j2", status, next=target, csrf=csrf, error=error, show_menu=False)
    response.set_cookie(
        security.LOGIN_CSRF_COOKIE,
        csrf,
        httponly=True,
        samesite="Strict",
        secure=request.is_secure,
        path="/login",
        max_age=3600,
    )
    return response


def _check_same_origin() -> None:
    """A form that changes state must come from one of the app's own pages."""
    origin = request.headers.get("Origin")
    # The scheme and host as the browser used them: through a trusted proxy, https and its name.
    if origin is not None and not security.same_origin(origin, request.scheme, request.host):
        abort(403, description="このフォームは受け付けられません。")
    if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
        abort(403, description="このフォームは受け付けられません。")
