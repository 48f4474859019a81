#!/usr/bin/env python3
"""A small Git smart-HTTP(S) server for the publication tests.

Serves the bare repositories under --root through `git http-backend` (CGI),
over TLS when --cert/--key are given. With --token-file, every request must carry
HTTP Basic credentials `x-access-token:<token>`, the token read from that
file so it never shows in this process's command line (what the askpass
helper answers); anything else gets 401 and a Basic challenge, as GitHub does.

Test knobs:
  --delay SECONDS   wait this long before answering each request (a slow
                    remote, so a test can watch the processes of a push);
  --echo-auth       answer every request with a Git protocol error that
                    repeats the Authorization header it received (a remote
                    whose error message contains the credential);
  --hang            accept connections and never answer;
  --redirect PORT   answer every request with a redirect to the same path on
                    127.0.0.1:PORT (over the same scheme).

Prints `READY <port>` on stdout once listening; every request is logged to
stderr as `<method> <path> auth=<ok|missing|bad>` (never the credential).
"""

import argparse
import base64
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--root", required=True)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--token-file")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--delay", type=float, default=0.0)
    p.add_argument("--echo-auth", action="store_true")
    p.add_argument("--hang", action="store_true")
    p.add_argument("--redirect", type=int)
    args = p.parse_args()

    if args.hang:
        hang(args.port)
        return

    expected = None
    if args.token_file:
        with open(args.token_file) as f:
            token = f.read().strip()
        expected = "Basic " + base64.b64encode(
            ("x-access-token:" + token).encode()
        ).decode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):  # the default prints headers' values
            pass

        def do_GET(self):
            self.serve()

        def do_POST(self):
            self.serve()

        def serve(self):
            if args.delay:
                time.sleep(args.delay)
            auth = self.headers.get("Authorization")
            state = "missing" if auth is None else ("ok" if auth == expected else "bad")
            sys.stderr.write(f"{self.command} {self.path} auth={state}\n")
            sys.stderr.flush()
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                body = self.read_chunked()
            if args.redirect:
                scheme = "https" if args.cert else "http"
                self.send_response(302)
                self.send_header(
                    "Location", f"{scheme}://127.0.0.1:{args.redirect}{self.path}"
                )
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if args.echo_auth:
                self.echo(auth or "")
                return
            if expected is not None and state != "ok":
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="publication"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.cgi(body)

        def read_chunked(self):
            out = b""
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()

        def echo(self, auth):
            service = "git-upload-pack"
            if "service=git-receive-pack" in self.path:
                service = "git-receive-pack"
            line = f"ERR access denied for {auth}\n".encode()
            payload = b"%04x" % (len(line) + 4) + line
            self.send_response(200)
            self.send_header("Content-Type", f"application/x-{service}-advertisement")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def cgi(self, body):
            url = urlsplit(self.path)
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "GIT_PROJECT_ROOT": args.root,
                "GIT_HTTP_EXPORT_ALL": "1",
                "REQUEST_METHOD": self.command,
                "PATH_INFO": url.path,
                "QUERY_STRING": url.query,
                "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                "CONTENT_LENGTH": str(len(body)),
                "REMOTE_USER": "x-access-token",
                "REMOTE_ADDR": self.client_address[0],
                "GIT_CONFIG_NOSYSTEM": "1",
                "GIT_CONFIG_GLOBAL": "/dev/null",
                "HOME": args.root,
            }
            if self.headers.get("Content-Encoding"):
                env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
            if self.headers.get("Git-Protocol"):
                env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
            out = subprocess.run(
                ["git", "http-backend"], input=body, env=env, capture_output=True
            ).stdout
            head, _, payload = out.partition(b"\r\n\r\n")
            if not _:
                head, _, payload = out.partition(b"\n\n")
            status = 200
            headers = []
            for raw in head.decode("latin-1").splitlines():
                name, _, value = raw.partition(":")
                if name.lower() == "status":
                    status = int(value.strip().split()[0])
                elif name:
                    headers.append((name, value.strip()))
            self.send_response(status)
            for name, value in headers:
                if name.lower() != "content-length":
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print(f"READY {server.server_address[1]}", flush=True)
    server.serve_forever()


def hang(port):
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(16)
    print(f"READY {listener.getsockname()[1]}", flush=True)
    held = []
    while True:
        conn, _ = listener.accept()
        held.append(conn)  # keep it open, say nothing


if __name__ == "__main__":
    main()
