#!/usr/bin/env python3
"""Set-up for bench/run.sh's people-path rows (not timed): a browser's sign-in, then tokens for the load.

  people_seed.py session BASE AUTHORIZE_PATH CLIENT_ID REDIRECT_URI SCOPE USERNAME PASSWORD COOKIE_FILE
      Signs in once through the authorization endpoint (Tessera's login form, or node-oidc-provider's
      interaction redirects, which bench/node_oidc_people.mjs answers) and writes the session cookies as one
      `Cookie` header value.
  people_seed.py query CLIENT_ID REDIRECT_URI SCOPE
      The authorization request's query (PKCE S256 with this file's verifier), then the verifier.
  people_seed.py tokens BASE AUTHORIZE_PATH TOKEN_PATH CLIENT_ID REDIRECT_URI SCOPE COOKIE_FILE N OUT
      N authorization code + PKCE flows on that session: OUT gets the N refresh tokens (one a line), OUT.access
      the last access token.

Loopback HTTP only; redirects are followed on the server until one leaves for REDIRECT_URI.
"""

import base64
import hashlib
import html
import http.client
import json
import re
import sys
import urllib.parse

VERIFIER = "bench-pkce-verifier-0123456789abcdefghijklmnopqrstuvwxyz"
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()


class Browser:
    def __init__(self, base, cookie=""):
        self.host, self.port = urllib.parse.urlsplit(base).netloc.rsplit(":", 1)
        self.conn = http.client.HTTPConnection(self.host, int(self.port), timeout=10)
        self.cookies = dict(c.split("=", 1) for c in cookie.split("; ") if "=" in c)

    def cookie_header(self):
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def send(self, method, path, form=None):
        headers = {"Cookie": self.cookie_header()} if self.cookies else {}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read().decode("utf-8", "replace")
        for value in resp.msg.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            val = rest.split(";", 1)[0]
            expired = re.search(r"max-age=0\b|expires=thu, 01 jan 1970", value, re.I)
            if val and not expired:
                self.cookies[name.strip()] = val
            else:
                self.cookies.pop(name.strip(), None)
        return resp.status, resp.getheader("Location") or "", data

    def code(self, authorize_path, client_id, redirect_uri, scope, username=None, password=None):
        """Runs one authorization request to its redirect; returns the code."""
        query = authorization_query(client_id, redirect_uri, scope)
        method, path, form = "GET", f"{authorize_path}?{query}", None
        for _ in range(12):
            status, location, body = self.send(method, path, form)
            if status in (302, 303) and location.startswith(redirect_uri):
                params = urllib.parse.parse_qs(urllib.parse.urlsplit(location).query)
                if "code" not in params:
                    sys.exit(f"no code in the redirect: {location}")
                return params["code"][0]
            if status in (302, 303):
                url = urllib.parse.urlsplit(location)
                method, path, form = "GET", url.path + (f"?{url.query}" if url.query else ""), None
                continue
            found = dict(re.findall(r'name="(pending|csrf)" value="([^"]*)"', body))
            action = re.search(r'<form method="post" action="([^"]*)"', body)
            if status == 200 and "pending" in found and action and username:
                form = {k: html.unescape(v) for k, v in found.items()}
                form.update(username=username, password=password, action="login")
                method, path = "POST", urllib.parse.urlsplit(html.unescape(action.group(1))).path
                continue
            sys.exit(f"unexpected answer {status} to {method} {path}: {body[:300]}")
        sys.exit("too many redirects")

    def exchange(self, token_path, client_id, redirect_uri, code):
        form = {"grant_type": "authorization_code", "client_id": client_id, "redirect_uri": redirect_uri,
                "code": code, "code_verifier": VERIFIER}
        status, _, body = self.send("POST", token_path, form)
        if status != 200:
            sys.exit(f"token exchange: {status} {body[:300]}")
        return json.loads(body)


def authorization_query(client_id, redirect_uri, scope):
    return urllib.parse.urlencode({
        "response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri, "scope": scope,
        "state": "bench-state", "nonce": "bench-nonce", "code_challenge": CHALLENGE, "code_challenge_method": "S256",
    })


def main(argv):
    if argv[:1] == ["query"]:
        print(authorization_query(*argv[1:4]))
        print(VERIFIER)
    elif argv[:1] == ["session"]:
        base, authorize, client_id, redirect, scope, username, password, out = argv[1:9]
        browser = Browser(base)
        browser.code(authorize, client_id, redirect, scope, username, password)
        with open(out, "w") as f:
            f.write(browser.cookie_header())
    elif argv[:1] == ["tokens"]:
        base, authorize, token_path, client_id, redirect, scope, cookie_file, n, out = argv[1:10]
        with open(cookie_file) as f:
            browser = Browser(base, f.read().strip())
        refresh, access = [], ""
        for _ in range(int(n)):
            answer = browser.exchange(token_path, client_id, redirect, browser.code(authorize, client_id, redirect, scope))
            refresh.append(answer["refresh_token"])
            access = answer["access_token"]
        with open(out, "w") as f:
            f.write("\n".join(refresh) + "\n")
        with open(out + ".access", "w") as f:
            f.write(access)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
