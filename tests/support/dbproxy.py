"""A TCP forwarder to PostgreSQL that a test can take away, as if the database stopped: its open
connections are cut and new ones refused."""
import socket
import threading

from django.db import connection


class DatabaseProxy:
    def __init__(self):
        settings = connection.settings_dict
        self.target = (settings["HOST"], int(settings["PORT"]))
        self._connections = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, args=(self._listener,), daemon=True).start()
        self.url = f"postgres://{settings['USER']}@127.0.0.1:{self.port}/{settings['NAME']}"

    def away(self):
        """Refuse new connections and cut the open ones."""
        for sock in [self._listener, *self._connections]:  # shutdown wakes the thread in accept()
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        self._connections.clear()

    def _accept(self, listener):
        while True:
            try:
                client = listener.accept()[0]
            except OSError:
                return
            server = socket.create_connection(self.target)
            self._connections += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        for sock in (source, sink):
            sock.close()
