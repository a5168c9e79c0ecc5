-- Keycloak's required actions of a user (space-separated names), e.g. UPDATE_PASSWORD for a temporary password.
ALTER TABLE users ADD COLUMN required_actions TEXT NOT NULL DEFAULT '';
