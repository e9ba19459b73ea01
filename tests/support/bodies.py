"""An ASGI application for tests of visa's HTTP protocol (visa/http.py): answers a request with the
SHA-256 of its body and how many messages brought it; with ?slow it waits 10 ms before each
receive, so the body's blocks arrive faster than it takes them; with ?early it answers before
reading the body."""
import asyncio
import hashlib


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    query = scope["query_string"].decode()
    digest, messages = hashlib.sha256(), 0
    if "early" not in query:
        more = True
        while more:
            if "slow" in query:
                await asyncio.sleep(0.01)
            message = await receive()
            messages += 1
            digest.update(message.get("body", b""))
            more = message.get("more_body", False)
    answer = f"{digest.hexdigest()} {messages}".encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(answer)).encode())]})
    await send({"type": "http.response.body", "body": answer})
