"""What keeps the preview safe by default: where it may listen, who may use it, what browsers may do.

- Without an access token it listens on a loopback address only, and answers only requests whose
  Host is a loopback name, so a web page elsewhere cannot read it through DNS rebinding.
- With a token, every request but the sign-in form and the stylesheet needs a session: a random id
  in an HttpOnly, SameSite=Strict cookie, kept in memory, ended by signing out, by idleness or
  after a working day. Repeated wrong tokens from one client are refused for a while.
- Forms that change state carry a CSRF token; reads are GET only.
- Every response forbids scripts, framing and sniffing; personal pages are never stored.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import threading
import time
from dataclasses import dataclass, field

MIN_TOKEN_LENGTH = 16
SESSION_COOKIE = "noticegen_session"
LOGIN_CSRF_COOKIE = "noticegen_login_csrf"
SESSION_MAX_AGE_S = 10 * 3600  # a working day, however active
MAX_SESSIONS = 1000

# The pages use no script at all, so the policy can forbid everything but the app's own images,
# stylesheet and forms.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src 'self'; style-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # same-origin, not no-referrer: with no-referrer a browser sends "Origin: null" with the forms,
    # and the origin check could not tell them from a forgery.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
NO_STORE = "no-store, max-age=0"


def is_loopback(host: str) -> bool:
    """Whether `host` (an address or a name, as given to --host) is this machine only.

    >>> [is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "0.0.0.0", "192.168.1.5")]
    [True, True, True, False, False]
    """
    name = host.strip().strip("[]").lower()
    if name in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False  # any other name may resolve to anything: it needs a token


def host_name(host_header: str) -> str:
    """The name part of a Host header: "[::1]:8000" → "::1", "localhost:8000" → "localhost"."""
    if host_header.startswith("["):
        return host_header[1 : host_header.find("]")] if "]" in host_header else ""
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


def tokens_equal(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


@dataclass
class Session:
    id: str
    csrf: str
    created: float
    last_seen: float

    @property
    def reference(self) -> str:
        """A short, non-secret name for the session in the audit log."""
        return hashlib.sha256(self.id.encode()).hexdigest()[:12]


@dataclass
class Sessions:
    """Signed-in sessions, in memory only: a restart signs everyone out."""

    idle_seconds: float
    clock: object = time.monotonic
    _sessions: dict[str, Session] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def create(self) -> Session:
        now = self.clock()
        session = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), now, now)
        with self._lock:
            self._expire(now)
            if len(self._sessions) >= MAX_SESSIONS:
                oldest = min(self._sessions.values(), key=lambda s: s.last_seen)
                del self._sessions[oldest.id]
            self._sessions[session.id] = session
        return session

    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        now = self.clock()
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            if self._expired(session, now):
                del self._sessions[session_id]
                return None
            session.last_seen = now
            return session

    def end(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)

    def _expired(self, session: Session, now: float) -> bool:
        return (
            now - session.last_seen > self.idle_seconds or now - session.created > SESSION_MAX_AGE_S
        )

    def _expire(self, now: float) -> None:
        for session_id in [s.id for s in self._sessions.values() if self._expired(s, now)]:
            del self._sessions[session_id]

    def __len__(self) -> int:
        return len(self._sessions)


@dataclass
class LoginThrottle:
    """At most `attempts` wrong tokens per client within `window_seconds`; then a wait."""

    attempts: int = 5
    window_seconds: float = 300.0
    clock: object = time.monotonic
    _failures: dict[str, list[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def blocked(self, client: str) -> bool:
        with self._lock:
            return len(self._recent(client)) >= self.attempts

    def failed(self, client: str) -> None:
        with self._lock:
            self._failures[client] = [*self._recent(client), self.clock()]
            if len(self._failures) > 10_000:  # bounded, whoever is knocking
                self._failures.clear()

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)

    def _recent(self, client: str) -> list[float]:
        cutoff = self.clock() - self.window_seconds
        return [moment for moment in self._failures.get(client, []) if moment > cutoff]


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this app only, never another site."""
    if (
        not target
        or len(target) > 512
        or not target.startswith("/")
        or target.startswith(("//", "/\\"))
        or any(ord(character) < 0x21 or character == "\\" for character in target)
    ):
        return "/"
    return target
