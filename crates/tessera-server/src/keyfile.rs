//! The server key file (`master.key`): the at-rest master key and the client-secret pepper. It lives in the
//! data directory, never in the database, readable only by its owner.

use std::io::Write;
use std::path::Path;

use tessera_core::secret::ServerSecrets;

pub const KEY_FILE_NAME: &str = "master.key";

/// Reads the key file, or creates it (with a fresh master key and pepper) when `create` is set.
pub fn load_or_create_secrets(path: &Path, create: bool) -> Result<ServerSecrets, String> {
    let path = path.to_path_buf();
    let data_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    match std::fs::read_to_string(&path) {
        Ok(contents) => ServerSecrets::from_file_contents(&contents).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
            std::fs::create_dir_all(&data_dir).map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
            let secrets = ServerSecrets::generate().map_err(|e| e.to_string())?;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
            file.write_all(secrets.to_file_contents().as_bytes())
                .and_then(|_| file.sync_all())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            tracing::info!(path = %path.display(), "generated a new master key file");
            Ok(secrets)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(format!(
            "no key file at {}: start `tessera serve` once with this data directory to create it",
            path.display()
        )),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}
