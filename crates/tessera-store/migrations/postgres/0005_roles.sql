-- Roles, groups and protocol mappers (Keycloak's model). Realm roles have client_id '' (client roles: the
-- OAuth client_id of their client); top-level groups have parent_id ''. Mappers are JSON lists on their owner.
ALTER TABLE users ADD COLUMN attributes TEXT NOT NULL DEFAULT '{}';
ALTER TABLE clients ADD COLUMN protocol_mappers TEXT NOT NULL DEFAULT '[]';
ALTER TABLE client_scopes ADD COLUMN protocol_mappers TEXT NOT NULL DEFAULT '[]';

CREATE TABLE roles (
    id TEXT PRIMARY KEY,
    realm_id TEXT NOT NULL REFERENCES realms(id) ON DELETE CASCADE,
    client_id TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    UNIQUE (realm_id, client_id, name)
);

CREATE TABLE role_composites (
    parent_id TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    child_id TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    PRIMARY KEY (parent_id, child_id)
);

CREATE TABLE realm_groups (
    id TEXT PRIMARY KEY,
    realm_id TEXT NOT NULL REFERENCES realms(id) ON DELETE CASCADE,
    parent_id TEXT NOT NULL,
    name TEXT NOT NULL,
    attributes TEXT NOT NULL,
    UNIQUE (realm_id, parent_id, name)
);

CREATE TABLE group_roles (
    group_id TEXT NOT NULL REFERENCES realm_groups(id) ON DELETE CASCADE,
    role_id TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, role_id)
);

CREATE TABLE user_roles (
    realm_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    role_id TEXT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
    PRIMARY KEY (realm_id, user_id, role_id),
    FOREIGN KEY (realm_id, user_id) REFERENCES users(realm_id, id) ON DELETE CASCADE
);
CREATE INDEX user_roles_by_role ON user_roles (role_id);

CREATE TABLE user_groups (
    realm_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    group_id TEXT NOT NULL REFERENCES realm_groups(id) ON DELETE CASCADE,
    PRIMARY KEY (realm_id, user_id, group_id),
    FOREIGN KEY (realm_id, user_id) REFERENCES users(realm_id, id) ON DELETE CASCADE
);
CREATE INDEX user_groups_by_group ON user_groups (group_id);
