"""What keeps the preview safe by default: where it may listen, who may use it, what browsers may do.

- Without an access token it listens on a loopback address only, and answers only requests whose
  Host is a loopback name, so a web page elsewhere cannot read it through DNS rebinding.
- The token must be hard to guess: at least 16 characters, and not a repeated character, a run, a
  keyboard row or a pattern (`token_problem`).
- With a token, every request but the sign-in form and the stylesheet needs a session: a random id
  in an HttpOnly, SameSite=Strict cookie, kept in memory, ended by signing out, by idleness or
  after a working day. Repeated wrong tokens from one client are refused for a while, and too many
  wrong tokens from everyone together stop all sign-ins for a while (`LoginThrottle`).
- X-Forwarded-For, -Proto and -Host are believed only from a configured trusted proxy, and removed
  from every other request (`ProxyHeaders`), so no client can choose its own address.
- Forms that change state carry a CSRF token and must come from the app's own origin; reads are
  GET only.
- Every response forbids scripts, framing and sniffing; personal pages are never stored.
"""

from __future__ import annotations

import collections
import hashlib
import hmac
import ipaddress
import math
import re
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

MIN_TOKEN_LENGTH = 16
MIN_TOKEN_BITS = 64  # by `token_strength_bits`, a rough and deliberately pessimistic estimate
MIN_TOKEN_DISTINCT = 6
TOKEN_ADVICE = "make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(24))'"
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


# A client is a single IPv4 address, or an IPv6 /64: whoever has one IPv6 address usually has the
# whole /64, and must not get a fresh allowance from each of its 2**64 addresses.
IPV6_CLIENT_PREFIX = 64


def client_key(address: str) -> str:
    """The key the throttle counts a client's failures under.

    >>> client_key("192.0.2.7"), client_key("2001:db8::1:2:3:4")
    ('192.0.2.7', '2001:db8::/64')
    """
    parsed = _ip(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{parsed}/{IPV6_CLIENT_PREFIX}", strict=False))
    return str(parsed) if parsed is not None else address[:64]


@dataclass
class LoginThrottle:
    """Wrong tokens, counted per client and for everyone together.

    - A client (`client_key`) with `attempts` wrong tokens within `window_seconds` is refused until
      the oldest of them is older than that. Other clients are not affected.
    - When `global_attempts` wrong tokens arrive from all clients together within
      `global_window_seconds`, every sign-in, with any token from anyone, is refused for
      `global_lockout_seconds`. This is what stops a guesser who rotates addresses; its price is
      that during an attack no one can sign in (sessions already open keep working).
    - At most `max_clients` clients are remembered; the one whose last failure is oldest is
      forgotten first (the global count still holds its failures).
    """

    attempts: int = 5
    window_seconds: float = 300.0
    global_attempts: int = 30
    global_window_seconds: float = 600.0
    global_lockout_seconds: float = 900.0
    max_clients: int = 10_000
    clock: Callable[[], float] = time.monotonic
    _failures: collections.OrderedDict[str, list[float]] = field(
        default_factory=collections.OrderedDict
    )
    _everyone: collections.deque[float] = field(default_factory=collections.deque)
    _locked_until: float = -math.inf
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def blocked(self, client: str) -> Literal["all", "client"] | None:
        """Why a sign-in from `client` is refused now: "all" (the global budget is spent),
        "client" (this client's), or None."""
        now = self.clock()
        with self._lock:
            if now < self._locked_until:
                return "all"
            if len(self._recent(client_key(client), now)) >= self.attempts:
                return "client"
            return None

    def failed(self, client: str) -> bool:
        """Counts a wrong token; True when it spent the global budget (all sign-ins now stop)."""
        now = self.clock()
        key = client_key(client)
        with self._lock:
            self._failures[key] = [*self._recent(key, now), now]
            self._failures.move_to_end(key)
            while len(self._failures) > self.max_clients:
                self._failures.popitem(last=False)
            self._everyone.append(now)
            while self._everyone and self._everyone[0] <= now - self.global_window_seconds:
                self._everyone.popleft()
            if len(self._everyone) >= self.global_attempts:
                self._everyone.clear()
                self._locked_until = now + self.global_lockout_seconds
                return True
            return False

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client_key(client), None)

    def reset(self) -> None:
        """Forgets every failure and ends a lock-out (for tests, and a restart does the same)."""
        with self._lock:
            self._failures.clear()
            self._everyone.clear()
            self._locked_until = -math.inf

    def __len__(self) -> int:
        return len(self._failures)

    def _recent(self, key: str, now: float) -> list[float]:
        cutoff = now - self.window_seconds
        return [moment for moment in self._failures.get(key, []) if moment > cutoff]


# ---------------------------------------------------------------------------------------------
# The access token's strength

# Stretches of these count as guessable wherever they appear (four characters or more, either
# direction, any case): keyboard rows and the words people type when asked for a secret.
_GUESSABLE_SEQUENCES = (
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "1qaz2wsx3edc",
    "password",
    "passwort",
    "letmein",
    "welcome",
    "secret",
    "admin",
    "changeme",
    "iloveyou",
)
_CHARACTER_CLASSES: tuple[tuple[Callable[[str], bool], int], ...] = (
    (lambda c: "a" <= c <= "z", 26),
    (lambda c: "A" <= c <= "Z", 26),
    (lambda c: "0" <= c <= "9", 10),
    (lambda c: c.isascii() and not c.isalnum(), 33),
    (lambda c: not c.isascii(), 100),
)


def token_strength_bits(token: str) -> float:
    """A rough, pessimistic estimate of how many bits of guessing a token is worth.

    Each character is worth log2 of the alphabet its character classes span (lower case 26, upper
    case 26, digits 10, other ASCII 33, anything else 100), except a predictable one, worth one
    bit: a repeat of the character before it ("aa"), part of a run of three or more neighbours in
    the code table ("abc", "987"), a pair of characters seen earlier in the token ("abcabc",
    "a1a1"), or part of a keyboard row or a common word.

    >>> round(token_strength_bits("aaaaaaaaaaaaaaaa")), round(token_strength_bits("0123456789abcdef"))
    (20, 24)
    >>> token_strength_bits("Zq3-vN8_rT1xK6pW") > 64
    True
    """
    if not token:
        return 0.0
    alphabet = sum(size for test, size in _CHARACTER_CLASSES if any(test(c) for c in token))
    per_character = math.log2(alphabet)
    predictable = [False] * len(token)
    lowered = token.lower()
    for word in _GUESSABLE_SEQUENCES:
        for sequence in (word, word[::-1]):
            for length in range(len(sequence), 3, -1):
                for offset in range(len(sequence) - length + 1):
                    part = sequence[offset : offset + length]
                    found = lowered.find(part)
                    while found >= 0:
                        for index in range(found + 1, found + length):
                            predictable[index] = True
                        found = lowered.find(part, found + 1)
    pairs_seen: set[tuple[str, str]] = set()
    for index in range(1, len(token)):
        pair = (token[index - 1], token[index])
        if pair[0] == pair[1] or pair in pairs_seen:
            predictable[index] = True
        pairs_seen.add(pair)
        if index >= 2:
            step = ord(token[index]) - ord(token[index - 1])
            if abs(step) <= 1 and step == ord(token[index - 1]) - ord(token[index - 2]):
                predictable[index - 1] = predictable[index] = True
    return sum(1.0 if guessable else per_character for guessable in predictable)


def token_problem(token: str) -> str | None:
    """Why `token` is not good enough for an access token, in one line a user can act on; None
    when it is.

    >>> token_problem("aaaaaaaaaaaaaaaa").startswith("the preview access token is too easy")
    True
    >>> token_problem("correct-horse-battery-staple-0123") is None
    True
    """
    if len(token) < MIN_TOKEN_LENGTH:
        return (
            f"the preview access token must be at least {MIN_TOKEN_LENGTH} characters "
            f"({TOKEN_ADVICE})"
        )
    bits = token_strength_bits(token)
    if len(set(token)) < MIN_TOKEN_DISTINCT or bits < MIN_TOKEN_BITS:
        return (
            "the preview access token is too easy to guess: it repeats characters, follows a "
            "sequence or a keyboard row, or uses few kinds of character (about "
            f"{bits:.0f} bits by a rough estimate, at least {MIN_TOKEN_BITS} needed; "
            f"{TOKEN_ADVICE})"
        )
    return None


# ---------------------------------------------------------------------------------------------
# Behind a reverse proxy

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Every header through which a client might claim another address, scheme or host (WSGI names).
FORWARDING_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_PREFIX",
    "HTTP_X_FORWARDED_BY",
    "HTTP_X_REAL_IP",
    "HTTP_FORWARDED",
)
PROXY_PEER = "noticegen.proxy_peer"  # the environ key holding the trusted proxy's own address
_HOST = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?"
)


def trusted_networks(entries: Iterable[str]) -> tuple[IPNetwork, ...]:
    """`[preview] trusted_proxies` as networks: each entry an address ("127.0.0.1", "::1") or a
    network ("10.20.0.0/28"). ValueError names an entry that is neither, or one that trusts every
    address (which would let any client choose its own)."""
    networks = []
    for entry in entries:
        try:
            network = ipaddress.ip_network(entry.strip(), strict=False)
        except ValueError:
            raise ValueError(
                f'"{entry}" is not an IP address or network (e.g. "127.0.0.1" or "10.20.0.0/28")'
            ) from None
        if network.prefixlen == 0:
            raise ValueError(
                f'"{entry}" trusts every address: name the proxy\'s own address(es) only'
            )
        networks.append(network)
    return tuple(networks)


def _ip(text: str) -> IPAddress | None:
    """An address from a peer or an X-Forwarded-For entry ("192.0.2.1", "[2001:db8::1]:443",
    "192.0.2.1:5000"); an IPv4-mapped IPv6 address as its IPv4 address; None if it is none."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


class ProxyHeaders:
    """WSGI middleware: the client's address, scheme and host as a trusted proxy reports them.

    A request whose direct peer is in `trusted` gets REMOTE_ADDR from X-Forwarded-For (the
    right-most address that is not itself a trusted proxy: the left part is whatever the client
    wrote), `wsgi.url_scheme` from X-Forwarded-Proto and HTTP_HOST from X-Forwarded-Host (the last
    value of each, the one the nearest proxy set). Every other request has all forwarding headers
    removed, so nothing downstream can be misled by them. Malformed values are ignored.
    """

    def __init__(self, app: Callable, trusted: tuple[IPNetwork, ...]) -> None:
        self.app = app
        self.trusted = trusted

    def is_trusted(self, address: IPAddress | None) -> bool:
        return address is not None and any(address in network for network in self.trusted)

    def __call__(self, environ: dict, start_response: Callable):
        forwarded = {name: environ.pop(name) for name in FORWARDING_HEADERS if name in environ}
        peer = environ.get("REMOTE_ADDR", "")
        if self.trusted and self.is_trusted(_ip(peer)):
            client = self.client_address(forwarded.get("HTTP_X_FORWARDED_FOR", ""))
            if client is not None:
                environ[PROXY_PEER] = peer
                environ["REMOTE_ADDR"] = client
            proto = _last(forwarded.get("HTTP_X_FORWARDED_PROTO", "")).lower()
            if proto in ("http", "https"):
                environ["wsgi.url_scheme"] = proto
            host = _last(forwarded.get("HTTP_X_FORWARDED_HOST", ""))
            if host and _HOST.fullmatch(host):
                environ["HTTP_HOST"] = host
        return self.app(environ, start_response)

    def client_address(self, forwarded_for: str) -> str | None:
        """The right-most X-Forwarded-For address that is not a trusted proxy; the left-most if
        all are; None without a usable one (the peer then stands for the client)."""
        hops = [hop for hop in forwarded_for.split(",") if hop.strip()]
        last_trusted = None
        for hop in reversed(hops):
            address = _ip(hop)
            if address is None:
                return last_trusted  # a broken chain: believe no further
            if not self.is_trusted(address):
                return str(address)
            last_trusted = str(address)
        return last_trusted


def _last(value: str) -> str:
    return value.rsplit(",", 1)[-1].strip()


def same_origin(origin: str, scheme: str, host: str) -> bool:
    """Whether a browser's Origin header names the app as the browser reached it (`scheme` and
    `host` as seen through a trusted proxy), with a default port written or not.

    >>> same_origin("https://preview.example", "https", "preview.example:443")
    True
    >>> same_origin("https://preview.example", "http", "preview.example")
    False
    """
    return _origin(origin) is not None and _origin(origin) == _origin(f"{scheme}://{host}")


def _origin(text: str) -> tuple[str, str, int] | None:
    try:
        parts = urllib.parse.urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or (443 if scheme == "https" else 80)


def loggable_host(host_header: str) -> str:
    """A Host header as the audit log may hold it: host-name characters only (others as "?"),
    at most 64 of them."""
    kept = "".join(c if c.isascii() and (c.isalnum() or c in ".-:[]") else "?" for c in host_header)
    return kept[:64] + ("…" if len(kept) > 64 else "")


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
