"""A fake SMTP server on a local port, for tests of the smtplib sender."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class FakeSMTPServer(socketserver.ThreadingTCPServer):
    """Just enough SMTP for smtplib (no TLS, no auth); keeps every DATA it receives."""

    allow_reuse_address = True
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), FakeSMTPHandler)
        self.received: list[tuple[str, list[str], bytes]] = []


class FakeSMTPHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        out = self.wfile
        out.write(b"220 fake ESMTP\r\n")
        sender, recipients = "", []
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                out.write(b"250 fake\r\n")
            elif verb == b"MAIL":
                sender, recipients = line.decode().split(":", 1)[1].strip(), []
                out.write(b"250 ok\r\n")
            elif verb == b"RCPT":
                recipients.append(line.decode().split(":", 1)[1].strip())
                out.write(b"250 ok\r\n")
            elif verb == b"DATA":
                out.write(b"354 go on\r\n")
                data = b""
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data += chunk
                self.server.received.append((sender, recipients, data))
                out.write(b"250 queued\r\n")
            elif verb == b"QUIT":
                out.write(b"221 bye\r\n")
                return
            else:
                out.write(b"250 ok\r\n")


@contextmanager
def running_smtp_server() -> Iterator[FakeSMTPServer]:
    server = FakeSMTPServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
