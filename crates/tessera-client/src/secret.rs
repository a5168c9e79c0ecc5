use std::path::PathBuf;
use std::sync::Mutex;
use std::time::SystemTime;

/// Where the client secret comes from.
#[derive(Debug, Clone)]
pub enum ClientSecret {
    Value(String),
    /// The name of an environment variable.
    Env(String),
    /// A file holding the secret (trailing newline ignored), as Vault Agent or Kubernetes mount them. It is
    /// read again whenever it changes.
    File(PathBuf),
}

/// Reads the secret, re-reading a file only when its modification time changed.
#[derive(Debug)]
pub(crate) struct SecretReader {
    source: ClientSecret,
    cached: Mutex<Option<(Option<SystemTime>, String)>>,
}

impl SecretReader {
    pub(crate) fn new(source: ClientSecret) -> Self {
        Self { source, cached: Mutex::new(None) }
    }

    pub(crate) fn read(&self) -> Result<String, String> {
        match &self.source {
            ClientSecret::Value(v) => Ok(v.clone()),
            ClientSecret::Env(name) => {
                std::env::var(name).map_err(|_| format!("environment variable {name} is not set"))
            }
            ClientSecret::File(path) => {
                let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
                let mut cached = self.cached.lock().map_err(|_| "secret cache poisoned".to_owned())?;
                if let Some((at, secret)) = cached.as_ref()
                    && at.is_some()
                    && *at == modified
                {
                    return Ok(secret.clone());
                }
                let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                let secret = text.trim_end_matches(['\n', '\r']).to_owned();
                *cached = Some((modified, secret.clone()));
                Ok(secret)
            }
        }
    }
}
