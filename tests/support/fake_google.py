"""A local Google: the OAuth 2.0 endpoints and the Calendar REST API, over HTTPS.

The server under test reaches it through its settings (GOOGLE_OAUTH_AUTH_URI,
GOOGLE_OAUTH_TOKEN_URI, GOOGLE_OAUTH_REVOKE_URI, GOOGLE_API_ENDPOINT) and trusts its
certificate authority through the libraries' own variables (REQUESTS_CA_BUNDLE for
requests-oauthlib, HTTPLIB2_CA_CERTS for httplib2), so google-auth-oauthlib,
google-auth and google-api-python-client run unchanged, TLS included.

It checks what Google checks: the client id and secret, the redirect URI of the code
against the consent's, the PKCE verifier against the challenge, one use per code, the
Bearer token of every API call (401 once expired, so google-auth refreshes), and a
revoked grant (`invalid_grant`). It keeps what a test looks at: each account's events
and busy time, refresh grants, revocations and every API request.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import secrets
import ssl
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

CALENDAR_SCOPES = (
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/calendar.freebusy",
)
IDENTITY_SCOPES = ("openid", "https://www.googleapis.com/auth/userinfo.email")


@dataclass
class Account:
    email: str
    sub: str
    busy: list[tuple[datetime, datetime]] = field(default_factory=list)
    events: dict[str, dict[str, Any]] = field(default_factory=dict)  # primary calendar


@dataclass
class Code:
    email: str
    redirect_uri: str
    challenge: str
    scopes: list[str]


@dataclass
class ApiCall:
    method: str
    path: str
    account: str | None  # whose access token it carried (any ever issued)
    status: int


def _tls_files(folder: Path) -> tuple[Path, Path, Path]:
    """A throwaway certificate authority and a certificate for 127.0.0.1 signed by it."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Local Google test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=7))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=7))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_file, cert_file, key_file


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


class FakeGoogle:
    def __init__(
        self,
        folder: Path,
        *,
        client_id: str = "agents-test.apps.googleusercontent.com",
        client_secret: str = "test-client-secret",
        access_token_seconds: int = 3600,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.access_token_seconds = access_token_seconds
        self.ca_file, self._cert_file, self._key_file = _tls_files(folder)
        self.accounts: dict[str, Account] = {}
        self.codes: dict[str, Code] = {}
        self.refresh_tokens: dict[str, str] = {}  # token -> e-mail, while the grant lives
        self.access_tokens: dict[str, tuple[str, float]] = {}  # token -> (e-mail, expiry)
        self.refresh_grants = 0
        self.code_grants = 0
        self.refused_grants: list[str] = []
        self.revoked: list[str] = []
        self.calls: list[ApiCall] = []
        self._issued: dict[str, str] = {}  # every access token issued -> its account
        self._lock = threading.RLock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self._cert_file, self._key_file)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread: threading.Thread | None = None

    # -- lifecycle and the settings that point a server here --------------------------

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    def env(self) -> dict[str, str]:
        return {
            "GOOGLE_OAUTH_CLIENT_ID": self.client_id,
            "GOOGLE_OAUTH_CLIENT_SECRET": self.client_secret,
            "GOOGLE_OAUTH_AUTH_URI": f"{self.base_url}/o/oauth2/auth",
            "GOOGLE_OAUTH_TOKEN_URI": f"{self.base_url}/token",
            "GOOGLE_OAUTH_REVOKE_URI": f"{self.base_url}/revoke",
            "GOOGLE_API_ENDPOINT": f"{self.base_url}/calendar/v3/",
            "REQUESTS_CA_BUNDLE": str(self.ca_file),
            "HTTPLIB2_CA_CERTS": str(self.ca_file),
        }

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- what a person does at Google ---------------------------------------------------

    def account(self, email: str) -> Account:
        with self._lock:
            if email not in self.accounts:
                self.accounts[email] = Account(email=email, sub=str(secrets.randbelow(10**20)))
            return self.accounts[email]

    def consent(
        self, authorization_url: str, *, email: str, scopes: list[str] | None = None
    ) -> str:
        """Google's consent screen, said yes to: checks the request as Google would and
        answers where it sends the browser (the redirect URI with `code` and `state`).
        `scopes` are the permissions the person left ticked (default: all asked)."""
        parts = urlsplit(authorization_url)
        assert f"{parts.scheme}://{parts.netloc}" == self.base_url, authorization_url
        assert parts.path == "/o/oauth2/auth", parts.path
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        assert query["client_id"] == self.client_id, query
        assert query["response_type"] == "code", query
        assert query["code_challenge_method"] == "S256", query
        asked = query["scope"].split()
        granted = asked if scopes is None else [s for s in asked if s in scopes]
        code = secrets.token_urlsafe(24)
        with self._lock:
            self.account(email)
            self.codes[code] = Code(email, query["redirect_uri"], query["code_challenge"], granted)
        back = {"state": query["state"], "code": code, "scope": " ".join(granted)}
        return f"{query['redirect_uri']}?{urlencode(back)}"

    def remove_access(self, email: str) -> None:
        """The person removes the app in their Google account: every grant is gone."""
        with self._lock:
            for token, owner in list(self.refresh_tokens.items()):
                if owner == email:
                    del self.refresh_tokens[token]
            for token, (owner, _expiry) in list(self.access_tokens.items()):
                if owner == email:
                    del self.access_tokens[token]

    def expire_access_tokens(self) -> None:
        with self._lock:
            self.access_tokens = {t: (e, 0.0) for t, (e, _x) in self.access_tokens.items()}

    def add_busy(self, email: str, start: datetime, end: datetime) -> None:
        with self._lock:
            self.account(email).busy.append((start, end))

    def events(self, email: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.account(email).events.values())

    def tokens_of(self, email: str) -> list[str]:
        with self._lock:
            return [t for t, owner in self.refresh_tokens.items() if owner == email]

    def api_calls(self, email: str) -> list[ApiCall]:
        """The Calendar API requests made with one account's access tokens."""
        with self._lock:
            return [call for call in self.calls if call.account == email]

    # -- the HTTP side ------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        google = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return None

            def _body(self) -> bytes:
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _answer(self, status: int, body: dict[str, Any] | None = None) -> None:
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                if body is not None:
                    self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                path = urlsplit(self.path).path
                if path == "/token":
                    self._answer(*google._token(self.headers, self._body()))
                elif path == "/revoke":
                    self._answer(*google._revoke(self._body()))
                else:
                    self._api("POST")

            def do_GET(self) -> None:
                self._api("GET")

            def do_DELETE(self) -> None:
                self._api("DELETE")

            def _api(self, method: str) -> None:
                body = self._body()
                auth = self.headers.get("Authorization") or ""
                token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else None
                status, answer = google._calendar(method, self.path, token, body)
                with google._lock:
                    owner = google._issued.get(token or "")
                    google.calls.append(ApiCall(method, urlsplit(self.path).path, owner, status))
                self._answer(status, answer)

        return Handler

    def _token(self, headers: Any, raw: bytes) -> tuple[int, dict[str, Any]]:
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        client_id, client_secret = form.get("client_id"), form.get("client_secret")
        basic = headers.get("Authorization") or ""
        if basic.startswith("Basic "):
            pair = base64.b64decode(basic.removeprefix("Basic ")).decode()
            client_id, _, client_secret = (unquote(p) for p in pair.partition(":"))
        if client_id != self.client_id or client_secret != self.client_secret:
            return 401, {"error": "invalid_client", "error_description": "Unauthorized"}
        with self._lock:
            if form.get("grant_type") == "authorization_code":
                return self._code_grant(form)
            if form.get("grant_type") == "refresh_token":
                return self._refresh_grant(form)
        return 400, {"error": "unsupported_grant_type"}

    def _code_grant(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        code = self.codes.pop(form.get("code", ""), None)  # a code works once
        verifier = form.get("code_verifier", "")
        if (
            code is None
            or form.get("redirect_uri") != code.redirect_uri
            or _challenge(verifier) != code.challenge
        ):
            self.refused_grants.append("authorization_code")
            return 400, {"error": "invalid_grant", "error_description": "Bad Request"}
        self.code_grants += 1
        refresh = "1//" + secrets.token_urlsafe(32)
        self.refresh_tokens[refresh] = code.email
        answer = self._access(code.email, code.scopes)
        account = self.account(code.email)
        claims = {
            "iss": "https://accounts.google.com",
            "aud": self.client_id,
            "sub": account.sub,
            "email": account.email,
            "email_verified": True,
            "iat": int(time.time()),
            "exp": int(time.time()) + 3600,
        }
        answer |= {
            "refresh_token": refresh,
            "id_token": jwt.encode(claims, secrets.token_hex(32), algorithm="HS256"),
        }
        return 200, answer

    def _refresh_grant(self, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        email = self.refresh_tokens.get(form.get("refresh_token", ""))
        if email is None:
            self.refused_grants.append("refresh_token")
            return 400, {
                "error": "invalid_grant",
                "error_description": "Token has been expired or revoked.",
            }
        self.refresh_grants += 1
        return 200, self._access(email, form.get("scope", " ".join(CALENDAR_SCOPES)).split())

    def _access(self, email: str, scopes: list[str]) -> dict[str, Any]:
        token = "ya29." + secrets.token_urlsafe(24)
        self.access_tokens[token] = (email, time.time() + self.access_token_seconds)
        self._issued[token] = email
        return {
            "access_token": token,
            "expires_in": self.access_token_seconds,
            "scope": " ".join(scopes),
            "token_type": "Bearer",
        }

    def _revoke(self, raw: bytes) -> tuple[int, dict[str, Any]]:
        token = parse_qs(raw.decode()).get("token", [""])[0]
        with self._lock:
            email = self.refresh_tokens.pop(token, None)
            if email is None:
                return 400, {"error": "invalid_token", "error_description": "Bad Request"}
            self.revoked.append(token)
            self.remove_access(email)
        return 200, {}

    # -- Calendar API v3 (freeBusy, events insert/get/delete) --------------------------

    def _calendar(
        self, method: str, target: str, token: str | None, raw: bytes
    ) -> tuple[int, dict[str, Any] | None]:
        with self._lock:
            holder = self.access_tokens.get(token or "")
            if holder is None or holder[1] <= time.time():
                return 401, _error(401, "authError", "Invalid Credentials")
            account = self.account(holder[0])
            path = urlsplit(target).path.removeprefix("/calendar/v3")
            parts = [unquote(p) for p in path.strip("/").split("/")]
            if method == "POST" and parts == ["freeBusy"]:
                return 200, self._free_busy(account, json.loads(raw))
            if len(parts) >= 3 and parts[0] == "calendars" and parts[2] == "events":
                if parts[1] not in ("primary", account.email):
                    return 404, _error(404, "notFound", "Not Found")
                return self._event(method, account, parts[3:], raw)
        return 404, _error(404, "notFound", "Not Found")

    def _free_busy(self, account: Account, body: dict[str, Any]) -> dict[str, Any]:
        low, high = _parse_time(body["timeMin"]), _parse_time(body["timeMax"])
        spans = list(account.busy) + [
            (_parse_time(e["start"]["dateTime"]), _parse_time(e["end"]["dateTime"]))
            for e in account.events.values()
        ]
        busy = [
            {"start": s.astimezone(UTC).isoformat(), "end": e.astimezone(UTC).isoformat()}
            for s, e in sorted(spans)
            if s < high and e > low
        ]
        calendars = {item["id"]: {"busy": busy} for item in body.get("items", [])}
        return {"kind": "calendar#freeBusy", "calendars": calendars}

    def _event(
        self, method: str, account: Account, rest: list[str], raw: bytes
    ) -> tuple[int, dict[str, Any] | None]:
        if method == "POST" and not rest:
            event = json.loads(raw)
            event_id = event.get("id") or secrets.token_hex(8)
            if event_id in account.events:
                return 409, _error(409, "duplicate", "The requested identifier already exists.")
            event |= {"id": event_id, "htmlLink": f"{self.base_url}/event?eid={event_id}"}
            account.events[event_id] = event
            return 200, event
        if len(rest) == 1 and method == "GET":
            found = account.events.get(rest[0])
            return (200, found) if found else (404, _error(404, "notFound", "Not Found"))
        if len(rest) == 1 and method == "DELETE":
            gone = account.events.pop(rest[0], None)
            return (204, None) if gone else (410, _error(410, "deleted", "Resource deleted"))
        return 404, _error(404, "notFound", "Not Found")


def _error(status: int, reason: str, message: str) -> dict[str, Any]:
    return {"error": {"code": status, "message": message, "errors": [{"reason": reason}]}}
