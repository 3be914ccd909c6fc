"""A web push service on loopback that behaves like a browser vendor's (RFC 8030): it hands
out subscriptions (a P-256 key pair and an auth secret, as a browser makes them), checks the
VAPID JWT of every push (RFC 8292: ES256, audience, expiry, subject), decrypts the payload
with the subscription's private key (RFC 8291, aes128gcm) and keeps what it received."""

import base64
import json
import os
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Push:
    subscription: str
    payload: dict
    headers: dict
    claims: dict
    at: float


@dataclass
class PushService:
    server_public_key: str  # the app's VAPID public key, base64url, as browsers are given it
    status: int = 201  # what to answer (410: the subscription is gone)
    received: list[Push] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # why pushes were refused
    keys: dict[str, tuple[ec.EllipticCurvePrivateKey, bytes]] = field(default_factory=dict)

    def start(self) -> "PushService":
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = service.take(self.path.rsplit("/", 1)[-1], dict(self.headers), body)
                self.send_response(status)
                self.send_header("Location", f"{service.url}/message/{len(service.received)}")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def subscribe(self) -> dict:
        """A subscription as PushSubscription.toJSON() gives it."""
        name = b64(os.urandom(9))
        private = ec.generate_private_key(ec.SECP256R1())
        auth = os.urandom(16)
        self.keys[name] = (private, auth)
        public = private.public_key().public_bytes(serialization.Encoding.X962,
                                                   serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": f"{self.url}/push/{name}", "keys": {"p256dh": b64(public), "auth": b64(auth)}}

    def take(self, name: str, headers: dict, body: bytes) -> int:
        headers = {k.lower(): v for k, v in headers.items()}
        if name not in self.keys:
            self.refused.append("unknown subscription")
            return 404
        try:
            claims = self.check_vapid(headers.get("authorization", ""))
            private, auth = self.keys[name]
            payload = json.loads(http_ece.decrypt(body, private_key=private, auth_secret=auth, version="aes128gcm"))
        except Exception as exc:  # noqa: BLE001 - recorded and refused, as a push service would
            self.refused.append(f"{exc.__class__.__name__}: {exc}")
            return 400
        if headers.get("content-encoding") != "aes128gcm" or "ttl" not in headers:
            self.refused.append("missing Content-Encoding or TTL")
            return 400
        self.received.append(Push(subscription=name, payload=payload, headers=headers, claims=claims,
                                  at=time.monotonic()))
        return self.status

    def check_vapid(self, authorization: str) -> dict:
        scheme, _, params = authorization.partition(" ")
        fields = dict(part.strip().split("=", 1) for part in params.split(","))
        assert scheme == "vapid", f"auth scheme {scheme!r}"
        assert fields["k"] == self.server_public_key, "signed with another key than the app's"
        header_b64, claims_b64, signature_b64 = fields["t"].split(".")
        header = json.loads(unb64(header_b64))
        assert header["alg"] == "ES256", header
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64(fields["k"]))
        signature = unb64(signature_b64)
        der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
        public.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        claims = json.loads(unb64(claims_b64))
        assert claims["aud"] == self.url, f"audience {claims['aud']!r}"
        assert time.time() < claims["exp"] <= time.time() + 24 * 3600, "expiry"
        assert claims["sub"].startswith(("mailto:", "https:")), "subject"
        return claims


def vapid_keys() -> tuple[str, str]:
    """A VAPID key pair as the settings take it: (private PEM, public base64url)."""
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = private.public_key().public_bytes(serialization.Encoding.X962,
                                               serialization.PublicFormat.UncompressedPoint)
    return pem, b64(public)
