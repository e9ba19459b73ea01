"""visa's HTTP protocol (visa/http.py, uvicorn's httptools one handing a body's blocks on as they
come), run by a real uvicorn with the deployed options: every body arrives whole and in order,
however it is sent, and the connection goes on to the next request."""
import hashlib
import http.client
import os
import socket
import subprocess
import sys
import time

import pytest

from tests.support.stack import ROOT, UVICORN_OPTIONS, free_port, wait_for_port

MB = 1 << 20


@pytest.fixture(scope="module")
def port():
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "uvicorn", "tests.support.bodies:app", "--port", str(port),
                                "--log-level", "warning", *UVICORN_OPTIONS], cwd=ROOT)
    try:
        wait_for_port(port, process)
        yield port
    finally:
        process.terminate()
        process.wait(10)


def answer(connection):
    """(digest, messages) of the test application's answer."""
    response = connection.getresponse()
    assert response.status == 200
    digest, messages = response.read().decode().split()
    return digest, int(messages)


def reply(replies):
    """(digest, messages) of the next answer read from a socket's file."""
    assert replies.readline().startswith(b"HTTP/1.1 200")
    digest, messages = replies.read(int(http.client.parse_headers(replies)["Content-Length"])).decode().split()
    return digest, int(messages)


def put(port, body, query=""):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("PUT", f"/?{query}", body=body)
        return answer(connection)
    finally:
        connection.close()


def sha(data):
    return hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize("query", ["", "slow"])
def test_a_large_body_arrives_whole_whether_the_application_keeps_up_or_not(port, query):
    body = os.urandom(20 * MB)
    digest, messages = put(port, body, query)
    assert digest == sha(body)
    assert messages > 1  # it came as it arrived, not gathered whole


def test_a_body_sent_in_small_bits_with_pauses_arrives_whole(port):
    body = os.urandom(300_000)
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(f"PUT /?slow HTTP/1.1\r\nHost: test\r\nContent-Length: {len(body)}\r\n\r\n".encode())
        for start in range(0, len(body), 7_000):
            sock.sendall(body[start:start + 7_000])
            if start % 70_000 == 0:
                time.sleep(0.02)
        assert reply(sock.makefile("rb"))[0] == sha(body)


def test_requests_pipelined_on_one_connection_each_get_their_own_body(port):
    bodies = [os.urandom(size) for size in (1, 200_000, 3 * MB, 0)]
    wire = b"".join(f"PUT /?n={n} HTTP/1.1\r\nHost: test\r\nContent-Length: {len(b)}\r\n\r\n".encode() + b
                    for n, b in enumerate(bodies))
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(wire)
        replies = sock.makefile("rb")
        for body in bodies:
            assert reply(replies)[0] == sha(body)


def test_a_chunked_body_arrives_whole(port):
    parts = [os.urandom(size) for size in (10, 100_000, 1 * MB, 5)]
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("PUT", "/", body=iter(parts), encode_chunked=True)
    assert answer(connection)[0] == sha(b"".join(parts))
    connection.close()


def test_an_answer_before_the_body_was_read_leaves_the_connection_usable(port):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("PUT", "/?early", body=os.urandom(2 * MB))
    assert answer(connection)[0] == sha(b"")
    body = os.urandom(100_000)
    connection.request("PUT", "/", body=body)
    assert answer(connection)[0] == sha(body)
    connection.close()
