-- Every administrator's write through the admin API (Keycloak's admin events).
CREATE TABLE admin_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    realm TEXT NOT NULL,
    operation TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    resource_path TEXT NOT NULL,
    representation TEXT,
    auth_realm TEXT NOT NULL,
    auth_user_id TEXT NOT NULL,
    ip_address TEXT
);
CREATE INDEX admin_events_by_realm_time ON admin_events (realm, at);
