"""Request bodies past Django's limit are refused by daphne as they arrive, never held.

daphne hands the application a request only once Twisted has received the whole body
(spooled to a temporary file past 100 KB), and then queues all of it, in memory, for the
application at once: a 50 MB POST would cost the process 50 MB before any of our code could
say no. So daphne's request class is replaced by one that answers 413 and closes the
connection as soon as the body's size is known to be past DATA_UPLOAD_MAX_MEMORY_SIZE: its
declared Content-Length, or the bytes counted as a chunked body arrives. (The project takes
no file uploads, so Django's limit on form data is the limit on any body.)

``install()`` is called by config/asgi.py, so the limit holds wherever daphne serves the
project. daphne's HTTP factory builds requests from ``daphne.http_protocol.WebRequest``;
tests/test_request_limits.py fails if an upgrade stops honouring the replacement.
"""

from daphne import http_protocol
from django.conf import settings

BODY = b"Request body too large.\n"
REFUSAL = (b"HTTP/1.1 413 Payload Too Large\r\nContent-Type: text/plain; charset=utf-8\r\n"
           b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(BODY), BODY))


class BoundedRequest(http_protocol.WebRequest):
    refused = False
    received = 0

    def gotLength(self, length):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length is not None and length > limit:
            self.refuse()
            length = 0
        super().gotLength(length)

    def handleContentChunk(self, data):
        if self.refused:
            return
        self.received += len(data)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and self.received > limit:
            self.refuse()
            return
        super().handleContentChunk(data)

    def process(self):
        if not self.refused:
            return super().process()

    def refuse(self) -> None:
        # As Twisted answers a malformed request: a complete answer, then the connection goes.
        self.refused = True
        self.channel.transport.write(REFUSAL)
        self.channel.loseConnection()


def install() -> None:
    http_protocol.WebRequest = BoundedRequest
