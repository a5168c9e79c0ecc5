-- Token binding. RFC 9449 §10: the DPoP key thumbprint (`dpop_jkt`) an authorization code is bound to; the
-- token request that redeems it must carry a proof by that key. RFC 9449 §5 and RFC 8705 §4: a public
-- client's refresh token is bound to the DPoP key (JWK SHA-256 thumbprint) or the client certificate
-- (`x5t#S256`) that obtained it. NULL: not bound.
ALTER TABLE authorization_codes ADD COLUMN dpop_jkt TEXT;
ALTER TABLE refresh_tokens ADD COLUMN dpop_jkt TEXT;
ALTER TABLE refresh_tokens ADD COLUMN cert_thumbprint TEXT;
