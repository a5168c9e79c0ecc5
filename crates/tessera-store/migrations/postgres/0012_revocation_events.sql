-- The revocation feed (docs/revocation-feed.md): one ordered log per realm of every revocation and every
-- not-before change, written in the same transaction as the change. `id` is the feed's cursor. A row is
-- kept until expires_at (the revoked token's exp, or when every token a user's not-before voids has
-- expired); realm and client not-before rows have none and are kept until a newer one for the same subject.
CREATE TABLE revocation_events (
    id BIGSERIAL PRIMARY KEY,
    realm_id TEXT NOT NULL REFERENCES realms(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    subject TEXT NOT NULL,
    at BIGINT NOT NULL,
    expires_at BIGINT
);
CREATE INDEX revocation_events_by_realm ON revocation_events (realm_id, id);
CREATE INDEX revocation_events_by_expiry ON revocation_events (expires_at);

-- What is live already enters the log once, in the order it was recorded.
INSERT INTO revocation_events (realm_id, kind, subject, at, expires_at)
    SELECT realm_id, 'token', jti, revoked_at, exp FROM revoked_tokens ORDER BY seq;
INSERT INTO revocation_events (realm_id, kind, subject, at, expires_at)
    SELECT realm_id, 'user', user_id, not_before, expires_at FROM user_not_before ORDER BY seq;
INSERT INTO revocation_events (realm_id, kind, subject, at, expires_at)
    SELECT realm_id, 'client', client_id, not_before, NULL FROM clients WHERE not_before > 0;
INSERT INTO revocation_events (realm_id, kind, subject, at, expires_at)
    SELECT id, 'realm', '', not_before, NULL FROM realms WHERE not_before > 0;
