"""Serving the preview: the access token, the checks before listening, and waitress.

waitress is a production WSGI server in pure Python (threads, no compiler, no C extension): the
household pages are answered by its threads while notices render in the app's worker processes.
Its limits are set so that connections which send nothing, or a request slowly, cannot take the
place of the clerks' requests: they are closed after a few idle seconds, there is room for many
more of them than there are threads, and no request may be large.
"""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import signal
import sys
import threading
import tomllib
from collections.abc import Iterator
from pathlib import Path

import waitress
from waitress import wasyncore

from noticegen import fonts, project, records, settings, voicecode
from noticegen.preview import security
from noticegen.preview.app import PreviewApp, create_app
from noticegen.preview.audit import AuditLogError

TOKEN_VARIABLE = "NOTICEGEN_PREVIEW_TOKEN"
EXIT_OK = 0
EXIT_USAGE = 2
SERVER_THREADS = 24  # requests waiting for a render hold a thread; the rest keep answering
# Connections. An idle connection (a browser's kept-alive one, or one that has sent nothing or half
# a request) holds no thread, only a file descriptor, so the limit is well above what the ward's
# clerks use and above what a few hundred idle sockets take; such sockets are closed after
# CHANNEL_TIMEOUT_S without a byte, checked every CLEANUP_INTERVAL_S. Beyond the limit, new
# connections wait in the listen backlog until idle ones are closed.
CONNECTION_LIMIT = 500
CHANNEL_TIMEOUT_S = 5
CLEANUP_INTERVAL_S = 1
LISTEN_BACKLOG = 1024
MAX_REQUEST_HEADER_BYTES = 32 * 1024
MAX_REQUEST_BODY_BYTES = 64 * 1024  # the only bodies are the sign-in and sign-out forms

log = logging.getLogger("noticegen.preview")


class PreviewError(Exception):
    """A reason not to start, reported in one line (exit status 2)."""


def access_token(config_path: Path | None = None) -> str | None:
    """The token from NOTICEGEN_PREVIEW_TOKEN, else from `[preview] token`; None when neither
    sets one. Raises PreviewError for a token too short or too weak to resist guessing
    (`security.token_problem`)."""
    token = os.environ.get(TOKEN_VARIABLE, "").strip()
    if not token:
        token = _configured_token(project.DEFAULT_CONFIG)
        if config_path is not None:
            token = _configured_token(config_path, token)
    problem = security.token_problem(token) if token else None
    if problem is not None:
        raise PreviewError(problem)
    return token or None


def _configured_token(path: Path, default: str = "") -> str:
    # settings.load has read and checked this file already; the token is read here so that the
    # secret never enters Settings, its digest or anything that prints them.
    with open(path, "rb") as stream:
        table = tomllib.load(stream).get("preview", {})
    token = table.get("token", default)
    if not isinstance(token, str):
        raise settings.ConfigError("preview.token", "must be a string")
    return token.strip()


def check_options(config: settings.Settings) -> None:
    options = config.preview
    processes = options.render_processes
    if processes != int(processes) or not 1 <= processes <= 16:
        raise settings.ConfigError("preview.render_processes", "must be a whole number, 1 to 16")
    if not 16 <= options.cache_mb <= 16384:
        raise settings.ConfigError("preview.cache_mb", "must be between 16 and 16384 (MB)")
    if not 1 <= options.session_idle_minutes <= 24 * 60:
        raise settings.ConfigError(
            "preview.session_idle_minutes", "must be between 1 and 1440 (minutes)"
        )
    if not 1 <= options.audit_log_max_mb <= 4096:
        raise settings.ConfigError("preview.audit_log_max_mb", "must be between 1 and 4096 (MB)")
    keep = options.audit_log_keep
    if keep != int(keep) or not 1 <= keep <= 100:
        raise settings.ConfigError("preview.audit_log_keep", "must be a whole number, 1 to 100")
    try:
        security.trusted_networks(options.trusted_proxies)
    except ValueError as error:
        raise settings.ConfigError("preview.trusted_proxies", str(error)) from None


def make_server(app: PreviewApp, host: str, port: int):
    """A waitress server bound to host:port (port 0: a free one), not yet running."""
    return waitress.create_server(
        app,
        host=host,
        port=port,
        threads=SERVER_THREADS,
        ident="noticegen",  # the Server header names no version
        channel_timeout=CHANNEL_TIMEOUT_S,
        cleanup_interval=CLEANUP_INTERVAL_S,
        connection_limit=connection_limit(),
        backlog=LISTEN_BACKLOG,
        asyncore_use_poll=True,  # select() fails beyond 1024 descriptors; poll() does not
        max_request_header_size=MAX_REQUEST_HEADER_BYTES,
        max_request_body_size=MAX_REQUEST_BODY_BYTES,
        expose_tracebacks=False,
        # The app removes X-Forwarded-* itself unless they come from a trusted proxy
        # (security.ProxyHeaders); waitress would remove them even then, and trusts one address
        # at most.
        clear_untrusted_proxy_headers=False,
    )


def connection_limit() -> int:
    """CONNECTION_LIMIT, or fewer when the process may not open that many files (each
    connection is one, and the app needs some of its own)."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return CONNECTION_LIMIT
    return max(16, min(CONNECTION_LIMIT, soft - 128))


@contextlib.contextmanager
def running(app: PreviewApp, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve `app` in a background thread for a test or a benchmark; yields its base URL and
    stops the server on leaving (the app itself stays open)."""
    server = make_server(app, host, port)
    thread = threading.Thread(target=server.run, name="preview-server", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.effective_port}"
    finally:
        # Closing every channel from the server's own loop ends the loop. If the loop has already
        # closed its trigger (it ended on its own), there is nothing left to stop.
        with contextlib.suppress(OSError):
            server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        thread.join(timeout=10)
        server.task_dispatcher.shutdown()


def serve(
    input_path: Path | str,
    host: str = "127.0.0.1",
    port: int = 8000,
    config_path: Path | str | None = None,
    encoding: str | None = None,
) -> int:
    """`noticegen preview INPUT [--host H] [--port P]`: serve until interrupted.

    Returns the exit status: 0 after Ctrl-C or SIGTERM, 2 (one line on stderr) when it will not
    start: a non-loopback host (or trusted proxies) without an access token, a token too short
    or too easy to guess, a bad configuration, an unreadable input file, an audit log that cannot
    be written, or an address that cannot be bound.
    """
    config_file = Path(config_path) if config_path is not None else None
    app = None
    try:
        config = settings.load(config_file)
        check_options(config)
        token = access_token(config_file)
        if not security.is_loopback(host) and token is None:
            raise PreviewError(
                f"refusing to listen on {host}: any address but 127.0.0.1 needs an access token "
                f"([preview] token in the configuration, or {TOKEN_VARIABLE})"
            )
        if config.preview.trusted_proxies and token is None:
            raise PreviewError(
                "[preview] trusted_proxies is set, so the preview is reached through a proxy from "
                f"other machines: it needs an access token ([preview] token, or {TOKEN_VARIABLE})"
            )
        if not 0 <= port <= 65535:
            raise PreviewError(f"--port {port}: must be 0 to 65535")
        voicecode.encoder_for(config.voice_code)  # a missing external encoder: now, not later
        app = create_app(input_path, config, token, encoding=encoding)
        server = make_server(app, host, port)
    except (
        PreviewError,
        settings.ConfigError,
        records.InputError,
        fonts.FontsMissingError,
        voicecode.VoiceCodeError,
        AuditLogError,
        OSError,
    ) as error:
        if app is not None:
            app.close()
        message = error.strerror if isinstance(error, OSError) and error.strerror else error
        where = f" ({host}:{port})" if isinstance(error, OSError) else ""
        print(f"noticegen: error: {message}{where}", file=sys.stderr)
        return EXIT_USAGE

    app.renderer.warm_up()
    directory = app.directory
    bound = getattr(server, "effective_port", port)
    address = f"[{host.strip('[]')}]" if ":" in host else host
    log.info(
        "preview of %s: %d households, %d rejected; listening on http://%s:%s/ (%s); audit log %s",
        input_path,
        len(directory.households),
        len(directory.rejections) + len(directory.unidentified),
        address,
        bound,
        "access token required" if token else "loopback only, no token",
        app.audit.path,
    )

    def stop(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        server.run()  # returns on KeyboardInterrupt (Ctrl-C) or SIGTERM
    finally:
        signal.signal(signal.SIGTERM, previous)
        app.close()
        log.info("preview stopped")
    return EXIT_OK
