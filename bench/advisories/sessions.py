#!/usr/bin/env python3
"""Mints signed-in sessions without the identity provider.

Reads a JSON array of users on stdin (`id`, `email`, `display_name`,
`groups`, `is_admin`, `key`), prints the SQL that inserts one `web_session`
row per user, and writes `<key>=<Cookie header value>` lines to the file
named by --cookies.

What it reproduces (src/auth/session.rs, src/auth/routes.rs `establish`):
  * the session id is a tower-sessions `Id`: 16 random bytes, shown as
    base64url without padding (22 characters);
  * `web_session.id_hash` is the SHA-256 of that string;
  * the cookie is the `cookie` crate's signed jar with the key of
    `cookie_key()`: Key::from(SHA-512("advisoryhub session cookie\\0" +
    SECRET_KEY)); the signing key is its first 32 bytes, and the value is
    base64(HMAC-SHA256(signing key, id)) followed by the id;
  * the data holds what a sign-in writes: `auth.identity` (SignedInUser),
    `auth.signed_in_at`, `auth.touched_at` (now, so the first minute of use
    writes nothing), `auth.ip`, `auth.user_agent` and `csrf.token`.
"""

import argparse
import base64
import hashlib
import hmac
import json
import secrets
import sys
import time


def cookie_signing_key(secret: str) -> bytes:
    digest = hashlib.sha512(b"advisoryhub session cookie\0" + secret.encode()).digest()
    return digest[:32]


def sign(signing_key: bytes, value: str) -> str:
    mac = hmac.new(signing_key, value.encode(), hashlib.sha256).digest()
    return base64.b64encode(mac).decode() + value


def sql_literal(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--secret", required=True)
    ap.add_argument("--cookie-name", default="sessionid")
    ap.add_argument("--cookies", required=True, help="file to write key=cookie lines to")
    args = ap.parse_args()

    users = json.load(sys.stdin)
    key = cookie_signing_key(args.secret)
    now = int(time.time())
    statements = []
    cookies = []
    for u in users:
        sid = base64.urlsafe_b64encode(secrets.token_bytes(16)).decode().rstrip("=")
        assert len(sid) == 22
        id_hash = hashlib.sha256(sid.encode()).hexdigest()
        data = {
            "auth.identity": {
                "id": u["id"],
                "email": u["email"],
                "display_name": u["display_name"],
                "groups": u["groups"],
                "is_admin": u["is_admin"],
            },
            "auth.signed_in_at": now,
            "auth.touched_at": now,
            "auth.ip": "127.0.0.1",
            "auth.user_agent": "wrk (bench/advisories)",
            "csrf.token": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("="),
        }
        statements.append(
            "INSERT INTO web_session (id_hash, data, expires_at, user_id, signed_in_at, ip_address, user_agent) "
            f"VALUES (decode('{id_hash}', 'hex'), {sql_literal(json.dumps(data))}::jsonb, "
            f"now() + interval '3 days', {int(u['id'])}, to_timestamp({now}), '127.0.0.1', 'wrk (bench/advisories)');"
        )
        cookies.append(f"{u['key']}={args.cookie_name}={sign(key, sid)}")
    with open(args.cookies, "w") as f:
        f.write("\n".join(cookies) + "\n")
    print("\n".join(statements))
    return 0


if __name__ == "__main__":
    sys.exit(main())
