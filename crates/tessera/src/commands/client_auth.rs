//! `tessera client auth`: the method its flags name (RFC 6749 §2.3.1, RFC 7523 §2.2, RFC 8705 §2).

use tessera_core::admin::client_authentication::ClientAuthentication;
use tessera_core::mtls::SanKind;

use super::error::CommandError;
use crate::cli::ClientCommand;

/// The method named by the flags of `tessera client auth`; `None` when only the binding is changed.
pub fn method(cmd: &ClientCommand) -> Result<Option<ClientAuthentication>, CommandError> {
    let ClientCommand::Auth {
        secret,
        secret_jwt,
        jwks_file,
        jwks_uri,
        signing_alg,
        tls_subject_dn,
        tls_subject_regex,
        tls_san,
        self_signed,
        ..
    } = cmd
    else {
        return Ok(None);
    };
    let alg = signing_alg.clone();
    let read = |file: &std::path::Path| {
        std::fs::read_to_string(file).map_err(|source| CommandError::File { path: file.display().to_string(), source })
    };
    let how = match (jwks_file, jwks_uri) {
        _ if *secret_jwt => ClientAuthentication::SecretJwt { alg },
        (Some(file), _) if *self_signed => ClientAuthentication::SelfSignedJwks { set: read(file)? },
        (_, Some(uri)) if *self_signed => ClientAuthentication::SelfSignedJwksUri { uri: uri.clone() },
        _ if *self_signed => return Err(CommandError::Usage("--self-signed needs --jwks-file or --jwks-uri")),
        (Some(file), _) => ClientAuthentication::Jwks { set: read(file)?, alg },
        (_, Some(uri)) => ClientAuthentication::JwksUri { uri: uri.clone(), alg },
        _ => match (tls_subject_dn, tls_san) {
            (Some(dn), _) => ClientAuthentication::TlsSubjectDn { dn: dn.clone(), regex: *tls_subject_regex },
            (_, Some(san)) => {
                let (kind, value) = san.split_once(':').ok_or(CommandError::Usage(SAN_USAGE))?;
                let kind = match kind {
                    "dns" => SanKind::Dns,
                    "uri" => SanKind::Uri,
                    "ip" => SanKind::Ip,
                    "email" => SanKind::Email,
                    _ => return Err(CommandError::Usage(SAN_USAGE)),
                };
                ClientAuthentication::TlsSan { kind, value: value.to_owned() }
            }
            _ if *secret => ClientAuthentication::Secret,
            _ => return Ok(None),
        },
    };
    Ok(Some(how))
}

const SAN_USAGE: &str = "--tls-san takes dns:NAME, uri:URI, ip:ADDRESS or email:ADDRESS";
