# t/lib/fakeapi.py - a fault-injecting stand-in for a PowerDNS worker's HTTP
# API, beside the real workers: answers every request according to the mode
# written in MODEFILE (ok, 401, 500, badjson, hang, recursor) and appends one line per
# request to LOGFILE. Usage: python3 fakeapi.py PORT MODEFILE LOGFILE
import http.server
import sys
import time

port, modefile, logfile = int(sys.argv[1]), sys.argv[2], sys.argv[3]


class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self):
        try:
            with open(modefile) as f:
                mode = f.read().strip()
        except OSError:
            mode = "ok"
        with open(logfile, "a") as f:
            f.write(f"{mode} {self.command} {self.path}\n")
        if mode == "hang":
            time.sleep(60)
            return
        status, body = {
            "ok": (200, b'{"count": 1, "result": "Flushed cache."}'),
            "401": (401, b'{"error": "Unauthorized"}'),
            "500": (500, b"Internal Server Error"),
            "badjson": (200, b"this is not json {"),
            "recursor": (200, b'{"type": "Server", "id": "localhost", '
                              b'"daemon_type": "recursor", "version": "4.8.4"}'),
        }.get(mode, (500, b"unknown mode"))
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_PATCH = answer

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer.daemon_threads = True
http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
