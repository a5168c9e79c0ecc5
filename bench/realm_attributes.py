#!/usr/bin/env python3
"""Sets attributes on a realm through the admin API (as an operator would): signs in to the master realm with
admin-cli, reads the realm's representation, merges the attributes, PUTs it back.

    realm_attributes.py http://127.0.0.1:18510 es256 tessera.rateLimit.client=1000000/s ...
"""

import json
import sys
import urllib.parse
import urllib.request

base, realm, pairs = sys.argv[1], sys.argv[2], sys.argv[3:]


def call(method, path, body=None, token=None, form=None):
    headers = {}
    if token:
        headers["Authorization"] = "Bearer " + token
    data = None
    if form is not None:
        data, headers["Content-Type"] = urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded"
    elif body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    with urllib.request.urlopen(urllib.request.Request(base + path, data=data, headers=headers, method=method)) as r:
        text = r.read()
        return json.loads(text) if text else None


token = call("POST", "/realms/master/protocol/openid-connect/token", form={
    "grant_type": "password", "client_id": "admin-cli", "username": "admin", "password": "Admin-Pass-123"})["access_token"]
rep = call("GET", f"/admin/realms/{realm}", token=token)
rep.setdefault("attributes", {}).update(dict(p.split("=", 1) for p in pairs))
call("PUT", f"/admin/realms/{realm}", rep, token=token)
