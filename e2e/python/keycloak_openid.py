"""python-keycloak's KeycloakOpenID, used unchanged the way its documentation shows, against a Tessera server.

Usage: keycloak_openid.py SERVER_URL REALM CLIENT_ID CLIENT_SECRET EXCHANGER_ID EXCHANGER_SECRET AUDIENCE

Runs every call a Keycloak app makes through KeycloakOpenID and prints one JSON object: for each call,
{"ok": true, "value": ...} or {"ok": false, "error": "...", "status": N}. The Rust test asserts on it.
"""

import json
import sys

from keycloak import KeycloakOpenID

ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"


def attempt(results, name, call):
    try:
        value = call()
        results[name] = {"ok": True, "value": value}
        return value
    except Exception as e:  # noqa: BLE001 - every failure is reported, none stops the run
        status = getattr(e, "response_code", None)
        results[name] = {"ok": False, "error": f"{type(e).__name__}: {e}", "status": status}
        return None


def main():
    server_url, realm, client_id, secret, exchanger_id, exchanger_secret, audience = sys.argv[1:8]
    results = {}
    kc = KeycloakOpenID(server_url=server_url, realm_name=realm, client_id=client_id, client_secret_key=secret)
    token = attempt(results, "token", lambda: kc.token("wile", "Super-Genius-1949", scope="openid"))
    if token is None:
        print(json.dumps(results))
        return
    refreshed = attempt(results, "refresh_token", lambda: kc.refresh_token(token["refresh_token"]))
    access = (refreshed or token)["access_token"]
    attempt(results, "userinfo", lambda: kc.userinfo(access))
    attempt(results, "introspect", lambda: kc.introspect(access))
    attempt(results, "decode_token", lambda: kc.decode_token(access))
    attempt(results, "device", lambda: kc.device(scope="openid"))
    gateway = KeycloakOpenID(
        server_url=server_url, realm_name=realm, client_id=exchanger_id, client_secret_key=exchanger_secret
    )
    exchanged = attempt(
        results,
        "exchange_token",
        lambda: gateway.exchange_token(
            access,
            audience=audience,
            subject_token_type=ACCESS_TOKEN_TYPE,
            requested_token_type=ACCESS_TOKEN_TYPE,
        ),
    )
    if exchanged is not None:
        attempt(results, "exchanged_claims", lambda: gateway.decode_token(exchanged["access_token"]))
    attempt(results, "public_key", lambda: kc.public_key())
    current = (refreshed or token)["refresh_token"]
    attempt(results, "logout", lambda: kc.logout(current))
    # After the logout the session's refresh token no longer works.
    attempt(results, "refresh_after_logout", lambda: kc.refresh_token(current))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
