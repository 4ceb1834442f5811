"""One HTTP/1.1 request and its answer on a connected socket, with as little work as the protocol allows.

The lean transports' hot path. ``http.client`` (which still opens the sync connection, TLS included)
spends more CPU on a DynamoDB call than everything else of the call together: a ``putheader`` per header
and an ``email.parser`` walk of the answer's headers. DynamoDB answers are plain: a status line, a dozen
headers, a ``Content-Length`` body (``chunked`` and read-to-close bodies are handled too, ``1xx``
interim answers skipped). The request goes out in one write; the answer's bytes go to an
:class:`AnswerReader` as they come (from ``recv`` on the sync path, from ``data_received`` on the async
one), which says when the whole answer is in. Protocol errors raise ``http.client``'s own exceptions,
connection errors the socket's, so callers map them as they map ``http.client``'s; a connection that
closed (or was reset) before any byte of the answer raises :class:`NoAnswer`.
"""

from __future__ import annotations

import http.client
import socket
from typing import NamedTuple

#: Most a status line plus headers may take (http.client allows 100 headers of 64 KiB; DynamoDB sends ~1 KiB).
MAX_HEAD = 256 * 1024
_READ = 65536
_CHUNKED = -2
_TO_CLOSE = -1


class Answer(NamedTuple):
    status: int
    headers: dict[str, str]  # lowercase names; a repeated header joined with ", " (as urllib3 does)
    body: bytes
    close: bool  # the server closes the connection after this answer (or it is out of step)


class NoAnswer(http.client.RemoteDisconnected):
    """The connection closed or was reset before any byte of the answer: on a kept-alive connection,
    most likely one the server closed as the request left (a request that does not write may then be
    sent again on a new connection)."""


def request_bytes(path: str, headers: dict[str, str], body: bytes) -> bytes:
    """``POST path`` with ``headers`` (which must hold ``Host``), ``Content-Length`` and
    ``Accept-Encoding: identity`` (what http.client adds), then the body."""
    lines = [f"POST {path} HTTP/1.1"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(body)}\r\nAccept-Encoding: identity\r\n\r\n")
    head = "\r\n".join(lines)
    # A CR or LF inside a value would smuggle a header in (http.client refuses them too).
    if head.count("\n") != len(lines) + 2 or head.count("\r") != len(lines) + 2:
        raise ValueError("a header name or value holds a line break")
    return head.encode("latin-1") + body


class AnswerReader:
    """The bytes of one answer as they arrive: ``feed`` returns the whole answer (the first that is not
    ``1xx``) once it is in, else None; ``eof`` is what the end of the connection makes of it."""

    __slots__ = ("_close", "_data", "_got", "_headers", "_length", "_parts", "_start", "_status", "_total")

    def __init__(self) -> None:
        self._data = b""  # bytes up to the end of the head (and the body while it fits one piece)
        self._parts: list[bytes] = []  # the body's later pieces, when its length is known
        self._total = 0
        self._got = False
        self._status = 0
        self._headers: dict[str, str] = {}
        self._close = False
        self._start = -1  # where the body starts in _data; -1: the head is not in yet
        self._length = 0

    def need(self) -> int:
        """Bytes still missing from a body of known length (0 when unknown)."""
        return self._start + self._length - self._total if self._start >= 0 and self._length >= 0 else 0

    def feed(self, data: bytes) -> Answer | None:
        self._got = True
        if self._parts:  # a long body by length: only count until it is all in
            self._parts.append(data)
            self._total += len(data)
            return self._by_length() if self._total >= self._start + self._length else None
        data = self._data + data if self._data else data
        self._data = data
        while self._start < 0:
            end = data.find(b"\r\n\r\n")
            if end < 0:
                if len(data) > MAX_HEAD:
                    raise http.client.LineTooLong("header block")
                return None
            status, headers, close, _version = parse_head(data[:end])
            if 100 <= status < 200:  # interim: the real answer follows
                data = self._data = data[end + 4 :]
                continue
            self._status, self._headers, self._close, self._start = status, headers, close, end + 4
            if has_no_body(status):
                self._length = 0
            elif "chunked" in headers.get("transfer-encoding", "").lower():
                self._length = _CHUNKED
            else:
                length = headers.get("content-length")
                self._length = _TO_CLOSE if length is None else int(length)
        if self._length >= 0:
            self._total = len(data)
            if self._total >= self._start + self._length:
                return self._by_length()
            self._parts.append(data)
            return None
        if self._length == _CHUNKED:
            done = _dechunk(data, self._start)
            if done is not None:
                body, end = done
                return Answer(self._status, self._headers, body, self._close or len(data) > end)
        return None

    def eof(self) -> Answer:
        """The connection ended: a read-to-close answer, else the error of an answer cut short."""
        if not self._got:
            raise NoAnswer("Remote end closed connection without response")
        if self._start >= 0 and self._length == _TO_CLOSE:
            return Answer(self._status, self._headers, self._data[self._start :], True)
        partial = b"".join(self._parts) if self._parts else self._data
        raise http.client.IncompleteRead(partial)

    def _by_length(self) -> Answer:
        data = b"".join(self._parts) if self._parts else self._data
        stop = self._start + self._length
        # Bytes past the answer: the stream is out of step, do not reuse it.
        return Answer(self._status, self._headers, data[self._start : stop], self._close or len(data) > stop)


def _dechunk(data: bytes, at: int) -> tuple[bytes, int] | None:
    """A whole chunked body from ``data[at:]`` and where it ends (after the trailers), or None."""
    parts: list[bytes] = []
    while True:
        line_end = data.find(b"\r\n", at)
        if line_end < 0:
            return None
        size = int(data[at:line_end].split(b";", 1)[0].strip() or b"0", 16)
        at = line_end + 2
        if size == 0:  # trailers, then the blank line
            while True:
                end = data.find(b"\r\n", at)
                if end < 0:
                    return None
                if end == at:
                    return b"".join(parts), end + 2
                at = end + 2
        if len(data) < at + size + 2:
            return None
        parts.append(data[at : at + size])
        at += size + 2


def exchange(sock: socket.socket, request: bytes) -> Answer:
    """Send ``request`` and read the whole answer (the first one that is not ``1xx``)."""
    sock.sendall(request)
    return read_answer(sock)


def read_answer(sock: socket.socket) -> Answer:
    """The whole answer (the first one that is not ``1xx``) from a socket."""
    reader = AnswerReader()
    try:
        chunk = sock.recv(_READ)
    except ConnectionResetError as exc:
        raise NoAnswer("Connection reset before any byte of the answer") from exc
    while chunk:
        answer = reader.feed(chunk)
        if answer is not None:
            return answer
        chunk = sock.recv(max(_READ, reader.need()))
    return reader.eof()


def parse_head(head: bytes) -> tuple[int, dict[str, str], bool, str]:
    """A status line and headers (no blank line): (status, lowercase headers, closes?, HTTP version)."""
    lines = head.decode("latin-1").split("\r\n")
    version, _, tail = lines[0].partition(" ")
    code = tail[:3]
    if not version.startswith("HTTP/1.") or not code.isdigit():
        raise http.client.BadStatusLine(lines[0])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon:
            continue  # not a header (obsolete line folding is not used by DynamoDB)
        name = name.strip().lower()
        value = value.strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    connection = headers.get("connection", "").lower()
    close = "close" in connection or (version == "HTTP/1.0" and "keep-alive" not in connection)
    return int(code), headers, close, version


def has_no_body(status: int) -> bool:
    return 100 <= status < 200 or status in (204, 304)
