-- Revoking a client's tokens ("revoke all tokens of this client") finds its refresh tokens without reading the table.
CREATE INDEX refresh_tokens_by_client ON refresh_tokens (realm_id, client_id);
