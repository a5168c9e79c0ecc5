//! `tessera token`: get an access token with client credentials, or show (and verify) one.

use tessera_client::{ClientSecret, DpopKey, PrivateKey, TlsIdentity, TokenSource};

use super::error::CommandError;
use crate::cli::TokenArgs;

pub async fn run(args: TokenArgs) -> Result<(), CommandError> {
    if let Some(token) = &args.decode {
        return decode(token, &args).await;
    }
    let client_id = args.client_id.ok_or(CommandError::Usage("--client-id is required to get a token"))?;
    let mut builder = TokenSource::builder().client_id(client_id);
    let read = |file: &std::path::PathBuf| {
        std::fs::read(file).map_err(|source| CommandError::File { path: file.display().to_string(), source })
    };
    if let (Some(cert), Some(key)) = (&args.cert, &args.key) {
        builder = builder.tls_identity(TlsIdentity::from_pem(&read(cert)?, &read(key)?)?);
    }
    if let Some(ca) = &args.ca_cert {
        builder = builder.root_certificate_pem(&read(ca)?)?;
    }
    builder = match (args.private_key, args.client_secret_file) {
        (Some(file), _) => {
            let key = PrivateKey::from_pem_file(file)?;
            builder.private_key_jwt(match args.key_id {
                Some(kid) => key.key_id(kid),
                None => key,
            })
        }
        (None, Some(file)) => builder.client_secret(ClientSecret::File(file)),
        (None, None) if args.cert.is_some() => builder,
        (None, None) => {
            return Err(CommandError::Usage("--client-secret-file, --private-key or --cert/--key is required"));
        }
    };
    builder = match (args.token_url, args.issuer) {
        (Some(url), _) => builder.token_url(url),
        (None, Some(issuer)) => builder.issuer(issuer),
        (None, None) => return Err(CommandError::Usage("give --issuer or --token-url")),
    };
    if let Some(file) = &args.dpop_key {
        builder = builder.dpop(DpopKey::from_file(file)?);
    }
    if let Some(scope) = args.scope {
        builder = builder.scope(scope);
    }
    let source = builder.build().await?;
    let response = source.request_token().await?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&response)?);
    } else {
        println!("{}", response.access_token);
    }
    Ok(())
}

/// Prints the header and claims; with `--verify`, checks the token against `--issuer`'s published keys.
async fn decode(token: &str, args: &TokenArgs) -> Result<(), CommandError> {
    let shown = serde_json::json!({"header": part(token, 0)?, "claims": part(token, 1)?});
    println!("{}", serde_json::to_string_pretty(&shown)?);
    if args.verify {
        let issuer = args.issuer.clone().ok_or(CommandError::Usage("--verify needs --issuer"))?;
        let builder = tessera_guard::Validator::builder().issuer(&issuer);
        // Without --audience this is an inspection tool, not an API: the audience is shown, not checked.
        let (builder, audience) = match &args.audience {
            Some(aud) => (builder.audience(aud), format!(", audience {aud}")),
            None => (builder.any_audience(), " (audience not checked: give --audience)".to_owned()),
        };
        let validator = builder.build().await?;
        validator.validate(token).await?;
        println!("verified: signature by {issuer}'s published key, issuer, expiry, type at+jwt{audience}");
    }
    Ok(())
}

/// The `i`th part of a JWS compact serialization, as JSON.
fn part(token: &str, i: usize) -> Result<serde_json::Value, CommandError> {
    use base64::Engine;
    let raw = token.split('.').nth(i).ok_or(CommandError::NotAJwt("expected header.payload.signature"))?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(raw.trim_end_matches('='))
        .map_err(|_| CommandError::NotAJwt("a part is not base64url"))?;
    serde_json::from_slice(&bytes).map_err(|_| CommandError::NotAJwt("a part is not JSON"))
}
