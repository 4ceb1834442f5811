"""One HTTP/1.1 request and its answer on a connected socket, with as little work as the protocol allows.

The lean transport's hot path. ``http.client`` (which still opens the connection, TLS included) spends
more CPU on a DynamoDB call than everything else of the call together: a ``putheader`` per header and an
``email.parser`` walk of the answer's headers. DynamoDB answers are plain: a status line, a dozen
headers, a ``Content-Length`` body (``chunked`` and read-to-close bodies are handled too, ``1xx``
interim answers skipped). The request goes out in one ``sendall``; the answer is read with as few
``recv`` calls as its size needs. Protocol errors raise ``http.client``'s own exceptions, connection
errors the socket's, so callers map them as they map ``http.client``'s.
"""

from __future__ import annotations

import asyncio
import http.client
import socket
from typing import NamedTuple

#: Most a status line plus headers may take (http.client allows 100 headers of 64 KiB; DynamoDB sends ~1 KiB).
MAX_HEAD = 256 * 1024
_READ = 65536


class Answer(NamedTuple):
    status: int
    headers: dict[str, str]  # lowercase names; a repeated header joined with ", " (as urllib3 does)
    body: bytes
    close: bool  # the server closes the connection after this answer


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


def exchange(sock: socket.socket, request: bytes) -> Answer:
    """Send ``request`` and read the whole answer (the first one that is not ``1xx``)."""
    sock.sendall(request)
    buffer = b""
    while True:
        answer, buffer = _read_answer(sock, buffer)
        if not 100 <= answer.status < 200:
            if buffer:  # bytes past the answer: the stream is out of step, do not reuse it
                return answer._replace(close=True)
            return answer


def _read_answer(sock: socket.socket, buffer: bytes) -> tuple[Answer, bytes]:
    end = buffer.find(b"\r\n\r\n")
    while end < 0:
        chunk = sock.recv(_READ)
        if not chunk:
            if buffer:
                raise http.client.IncompleteRead(buffer)
            raise http.client.RemoteDisconnected("Remote end closed connection without response")
        buffer += chunk
        if len(buffer) > MAX_HEAD:
            raise http.client.LineTooLong("header block")
        end = buffer.find(b"\r\n\r\n")
    status, headers, close, _version = parse_head(buffer[:end])
    rest = buffer[end + 4 :]
    if 100 <= status < 200 or status in (204, 304):
        return Answer(status, headers, b"", close), rest
    if "chunked" in headers.get("transfer-encoding", "").lower():
        chunked, rest = _read_chunked(sock, rest)
        return Answer(status, headers, chunked, close), rest
    length = headers.get("content-length")
    if length is None:  # read to the end of the connection
        parts = [rest]
        while chunk := sock.recv(_READ):
            parts.append(chunk)
        return Answer(status, headers, b"".join(parts), True), b""
    n = int(length)
    if len(rest) >= n:
        return Answer(status, headers, rest[:n], close), rest[n:]
    body = bytearray(rest)
    while len(body) < n:
        chunk = sock.recv(max(_READ, n - len(body)))
        if not chunk:
            raise http.client.IncompleteRead(bytes(body), n - len(body))
        body += chunk
    return Answer(status, headers, bytes(body[:n]), close), bytes(body[n:])


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


async def read_async(reader: asyncio.StreamReader) -> Answer:
    """The first answer that is not ``1xx`` from an asyncio stream (errors as :func:`exchange` raises)."""
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            status, headers, close, _version = parse_head(head[:-4])
            if has_no_body(status):
                if 100 <= status < 200:
                    continue
                return Answer(status, headers, b"", close)
            if "chunked" in headers.get("transfer-encoding", "").lower():
                parts: list[bytes] = []
                while True:
                    line = await reader.readuntil(b"\r\n")
                    size = int(line[:-2].split(b";", 1)[0].strip() or b"0", 16)
                    if size == 0:
                        while await reader.readuntil(b"\r\n") != b"\r\n":
                            pass
                        return Answer(status, headers, b"".join(parts), close)
                    parts.append((await reader.readexactly(size + 2))[:-2])
            length = headers.get("content-length")
            if length is None:
                return Answer(status, headers, await reader.read(), True)
            return Answer(status, headers, await reader.readexactly(int(length)), close)
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            raise http.client.RemoteDisconnected("Remote end closed connection without response") from exc
        raise http.client.IncompleteRead(exc.partial) from exc
    except asyncio.LimitOverrunError as exc:
        raise http.client.LineTooLong("header block") from exc


def _read_chunked(sock: socket.socket, buffer: bytes) -> tuple[bytes, bytes]:
    parts: list[bytes] = []
    while True:
        while (line_end := buffer.find(b"\r\n")) < 0:
            buffer += _more(sock)
        size = int(buffer[:line_end].split(b";", 1)[0].strip() or b"0", 16)
        buffer = buffer[line_end + 2 :]
        if size == 0:  # trailers, then the blank line
            while (end := buffer.find(b"\r\n")) != 0:
                if end < 0:
                    buffer += _more(sock)
                else:
                    buffer = buffer[end + 2 :]
            return b"".join(parts), buffer[2:]
        while len(buffer) < size + 2:
            buffer += _more(sock)
        parts.append(buffer[:size])
        buffer = buffer[size + 2 :]


def _more(sock: socket.socket) -> bytes:
    chunk = sock.recv(_READ)
    if not chunk:
        raise http.client.IncompleteRead(b"")
    return chunk
