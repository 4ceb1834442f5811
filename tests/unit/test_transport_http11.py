"""The lean transport's HTTP/1.1 exchange on a socket pair: bodies by length (in pieces), chunked and
to-the-close, interim 1xx answers skipped, repeated headers joined, Connection: close seen, header
injection refused, a connection closed early reported as http.client reports it."""

from __future__ import annotations

import http.client
import socket
import threading
from collections.abc import Iterator

import pytest

from singletable.transport import http11

REQUEST = http11.request_bytes("/", {"Host": "h", "X-Amz-Target": "T.GetItem"}, b'{"a": 1}')


def serve(*pieces: bytes, close: bool = True) -> socket.socket:
    """A client socket whose peer reads one request, then sends ``pieces`` one by one."""
    client, server = socket.socketpair()

    def run() -> None:
        server.recv(65536)
        for piece in pieces:
            server.sendall(piece)
        if close:
            server.close()

    threading.Thread(target=run, daemon=True).start()
    return client


def test_the_request_is_one_write_with_length_and_encoding() -> None:
    assert REQUEST == (
        b"POST / HTTP/1.1\r\nHost: h\r\nX-Amz-Target: T.GetItem\r\nContent-Length: 8\r\n"
        b'Accept-Encoding: identity\r\n\r\n{"a": 1}'
    )
    with pytest.raises(ValueError):
        http11.request_bytes("/", {"Host": "h", "X-Evil": "a\r\nInjected: 1"}, b"")


def test_a_body_by_length_arrives_in_pieces() -> None:
    sock = serve(
        b"HTTP/1.1 200 OK\r\nContent-Len", b"gth: 10\r\nServer: a\r\nserver: b\r\n\r\n01234", b"56789"
    )
    answer = http11.exchange(sock, REQUEST)
    assert answer == http11.Answer(200, {"content-length": "10", "server": "a, b"}, b"0123456789", False)


def test_interim_answers_are_skipped_and_close_is_seen() -> None:
    sock = serve(
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 400 Bad\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}"
    )
    answer = http11.exchange(sock, REQUEST)
    assert (answer.status, answer.body, answer.close) == (400, b"{}", True)


def test_chunked_and_to_the_close_bodies() -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n3;x=y\r\nefg\r\n0\r\nT: 1\r\n\r\n"
    )
    assert http11.exchange(serve(chunked[:30], chunked[30:]), REQUEST).body == b"abcdefg"
    closed = http11.exchange(serve(b"HTTP/1.0 200 OK\r\n\r\nall ", b"of it"), REQUEST)
    assert (closed.body, closed.close) == (b"all of it", True)


@pytest.fixture
def early() -> Iterator[list[bytes]]:
    yield [b"", b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01"]


def test_a_connection_closed_early_is_http_clients_error(early: list[bytes]) -> None:
    with pytest.raises(http.client.RemoteDisconnected):
        http11.exchange(serve(early[0]), REQUEST)
    with pytest.raises(http.client.IncompleteRead):
        http11.exchange(serve(early[1]), REQUEST)
