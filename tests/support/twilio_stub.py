"""Twilio's Messages API on loopback, as its REST reference describes it: POST
/2010-04-01/Accounts/{AccountSid}/Messages.json with HTTP Basic auth (account SID and auth
token), form fields To, From (or MessagingServiceSid), Body, optional StatusCallback; it
answers 201 with the message's JSON, or an error body with Twilio's code. It also signs
requests the way Twilio signs the webhooks it sends (X-Twilio-Signature), for reply tests."""

import base64
import hashlib
import hmac
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

ACCOUNT, TOKEN, FROM = "AC" + "0" * 32, "stub-auth-token-0123456789abcdef", "+15005550006"


@dataclass
class Sent:
    path: str
    auth: str
    form: dict
    at: float


@dataclass
class TwilioStub:
    fail_next: int = 0  # answer 500 to this many requests first
    delay: float = 0.0  # seconds before answering each request
    error_code: int = 0  # answer 400 with this Twilio error code (e.g. 21211: invalid To)
    sent: list[Sent] = field(default_factory=list)
    attempts: int = 0

    def start(self) -> "TwilioStub":
        stub, ids = self, itertools.count(1)

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                form = {k: v[0] for k, v in parse_qs(body).items()}
                with stub.lock:
                    stub.attempts += 1
                    failing = stub.fail_next > 0
                    stub.fail_next -= failing
                if stub.delay:
                    time.sleep(stub.delay)
                expected = "Basic " + base64.b64encode(f"{ACCOUNT}:{TOKEN}".encode()).decode()
                if self.headers.get("Authorization") != expected:
                    return self.answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
                if not self.path == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json":
                    return self.answer(404, {"code": 20404, "message": "not found", "status": 404})
                if failing:
                    return self.answer(500, {"code": 20500, "message": "Internal Server Error", "status": 500})
                if stub.error_code:
                    return self.answer(400, {"code": stub.error_code, "message": "refused", "status": 400})
                if not form.get("To") or not form.get("Body") or not (form.get("From") or
                                                                       form.get("MessagingServiceSid")):
                    return self.answer(400, {"code": 21604, "message": "A 'To', 'From' and 'Body' are required",
                                             "status": 400})
                with stub.lock:
                    stub.sent.append(Sent(path=self.path, auth=self.headers["Authorization"], form=form,
                                          at=time.monotonic()))
                sid = f"SM{next(ids):032x}"
                self.answer(201, {"sid": sid, "account_sid": ACCOUNT, "to": form["To"], "from": form.get("From"),
                                  "body": form["Body"], "status": "queued", "num_segments": "1",
                                  "uri": f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{sid}.json"})

            def answer(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def sign(url: str, params: dict, token: str = TOKEN) -> str:
    """X-Twilio-Signature as Twilio makes it: HMAC-SHA1 of the URL followed by every POST
    parameter, name then value, sorted by name; base64."""
    data = url + "".join(f"{name}{params[name]}" for name in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), data.encode(), hashlib.sha1).digest()).decode()
