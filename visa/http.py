"""uvicorn's HTTP protocol on httptools, handing a request body's blocks on as the parser gives
them: uvicorn's own appends each to a bytearray and copies that out again for the application,
two copies of every byte of an upload (tests/benchmarks/files.py). Run by `--http visa.http:Protocol`."""
from uvicorn.protocols.http.flow_control import HIGH_WATER_LIMIT
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class Protocol(HttpToolsProtocol):
    def on_body(self, body):
        cycle = self.cycle
        if cycle.body or cycle.response_complete or self.parser.should_upgrade():
            # The application is behind (or no body is wanted): as uvicorn does, appending to a
            # bytearray (a bytes object waiting would be copied whole at every block).
            if isinstance(cycle.body, bytes):
                cycle.body = bytearray(cycle.body)
            return super().on_body(body)
        # The application has taken all before: this block is the next message's body as it is
        # (receive() hands on bytes(block), which is the block itself).
        cycle.body = body
        if len(body) > HIGH_WATER_LIMIT:
            self.flow.pause_reading()
        cycle.message_event.set()
