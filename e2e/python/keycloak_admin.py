"""python-keycloak's KeycloakAdmin, used unchanged the way its documentation shows, against a Tessera server.

Usage: keycloak_admin.py SERVER_URL REALM ADMIN_USERNAME ADMIN_PASSWORD SA_CLIENT_ID SA_CLIENT_SECRET ROLE

Runs an administrator's short round twice: once as master's administrator (KeycloakOpenIDConnection with a
password, `admin-cli` of realm master) and once as a service account of REALM holding realm-management roles
(client credentials). Each round lists realms, creates a user, sets its password, finds and counts users, reads
the user, maps the realm role ROLE to it, creates a client and gets its secret, checks both work at the token
endpoint, and deletes the user. Prints one JSON object {round: {call: {"ok": true, "value": ...} or
{"ok": false, "error": "...", "status": N}}}; the Rust test asserts on it.
"""

import json
import sys

from keycloak import KeycloakAdmin, KeycloakOpenID, KeycloakOpenIDConnection

USER_PASSWORD = "Python-Admin-Round-Password-1"


def attempt(results, name, call):
    try:
        value = call()
        results[name] = {"ok": True, "value": value}
        return value
    except Exception as e:  # noqa: BLE001 - every failure is reported, none stops the run
        status = getattr(e, "response_code", None)
        results[name] = {"ok": False, "error": f"{type(e).__name__}: {e}", "status": status}
        return None


def admin_round(server_url, realm, admin, role, tag):
    """One administrator's round through `admin`; `tag` keeps the two rounds' names apart."""
    r = {}
    username = f"py-{tag}-user"
    client_id = f"py-{tag}-app"
    attempt(r, "get_realms", lambda: [x["realm"] for x in admin.get_realms()])
    user_id = attempt(
        r,
        "create_user",
        lambda: admin.create_user(
            {"username": username, "email": f"{username}@example.test", "firstName": "Py", "enabled": True}
        ),
    )
    if user_id is None:
        return r
    attempt(r, "set_user_password", lambda: admin.set_user_password(user_id, USER_PASSWORD, temporary=False))
    attempt(r, "get_users", lambda: [u["username"] for u in admin.get_users({"search": f"py-{tag}"})])
    attempt(r, "get_user_id", lambda: admin.get_user_id(username))
    attempt(r, "users_count", lambda: admin.users_count())
    attempt(r, "users_count_search", lambda: admin.users_count({"search": username}))
    attempt(r, "get_user", lambda: admin.get_user(user_id))
    realm_role = attempt(r, "get_realm_role", lambda: admin.get_realm_role(role))
    if realm_role is not None:
        attempt(r, "assign_realm_roles", lambda: admin.assign_realm_roles(user_id, [realm_role]))
    attempt(r, "get_realm_roles_of_user", lambda: [x["name"] for x in admin.get_realm_roles_of_user(user_id)])
    client_pk = attempt(
        r,
        "create_client",
        lambda: admin.create_client(
            {
                "clientId": client_id,
                "publicClient": False,
                "serviceAccountsEnabled": True,
                "directAccessGrantsEnabled": True,
                "standardFlowEnabled": False,
            }
        ),
    )
    if client_pk is not None:
        attempt(r, "get_client_id", lambda: admin.get_client_id(client_id))
        attempt(r, "get_client_secrets", lambda: admin.get_client_secrets(client_pk))
        secret = attempt(r, "generate_client_secrets", lambda: admin.generate_client_secrets(client_pk))
        if secret is not None and secret.get("value"):
            app = KeycloakOpenID(
                server_url=server_url, realm_name=realm, client_id=client_id, client_secret_key=secret["value"]
            )
            # The new secret works, and so does the password the administrator set.
            attempt(r, "client_credentials", lambda: sorted(app.token(grant_type="client_credentials")))
            attempt(r, "user_password_grant", lambda: sorted(app.token(username, USER_PASSWORD)))
    attempt(r, "delete_user", lambda: admin.delete_user(user_id))
    attempt(r, "get_user_after_delete", lambda: admin.get_user(user_id))
    return r


def main():
    server_url, realm, username, password, sa_client, sa_secret, role = sys.argv[1:8]
    results = {}
    master = KeycloakOpenIDConnection(
        server_url=server_url,
        username=username,
        password=password,
        realm_name=realm,
        user_realm_name="master",
        client_id="admin-cli",
        verify=True,
    )
    results["master_admin"] = admin_round(server_url, realm, KeycloakAdmin(connection=master), role, "master")
    service = KeycloakOpenIDConnection(
        server_url=server_url, realm_name=realm, client_id=sa_client, client_secret_key=sa_secret, verify=True
    )
    results["service_account"] = admin_round(server_url, realm, KeycloakAdmin(connection=service), role, "sa")
    print(json.dumps(results))


if __name__ == "__main__":
    main()
