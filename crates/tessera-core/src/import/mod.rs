pub mod keycloak;
