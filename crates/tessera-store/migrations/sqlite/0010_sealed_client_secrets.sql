-- OIDC Core §9 client_secret_jwt: the server must key HMAC with the clear secret, which a keyed hash
-- cannot give back. For clients registered with that method only, the secret is also kept sealed
-- (AES-256-GCM under the master key, bound to the secret's row id); NULL for every other client.
ALTER TABLE client_secrets ADD COLUMN sealed_secret TEXT;
