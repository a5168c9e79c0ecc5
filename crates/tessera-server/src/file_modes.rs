//! What Tessera keeps on disk is readable by its owner only: the data directory 0700; the SQLite
//! database, its WAL and shared-memory files, and the key file 0600. A wider mode found at start (an
//! older install, a copy made by hand) is narrowed, with a warning naming the file.

use std::path::Path;

/// The SQLite files of a data directory: SQLite creates `-wal` and `-shm` with the database's own mode,
/// so once the database is 0600 they follow.
const DATA_FILES: [&str; 4] = ["tessera.db", "tessera.db-wal", "tessera.db-shm", crate::keyfile::KEY_FILE_NAME];

/// Narrows the modes under `data_dir`; returns one line per file it had to narrow.
#[cfg(unix)]
pub fn restrict(data_dir: &Path) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;
    let mut narrowed = Vec::new();
    let mut narrow = |path: &Path, mode: u32| {
        let Ok(meta) = std::fs::metadata(path) else { return };
        let current = meta.permissions().mode() & 0o777;
        if current & !mode != 0 {
            match std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
                Ok(()) => narrowed.push(format!("{} was {current:o}, now {mode:o}", path.display())),
                Err(e) => narrowed.push(format!("{} is {current:o} and could not be narrowed: {e}", path.display())),
            }
        }
    };
    narrow(data_dir, 0o700);
    for name in DATA_FILES {
        narrow(&data_dir.join(name), 0o600);
    }
    narrowed
}

#[cfg(not(unix))]
pub fn restrict(_data_dir: &Path) -> Vec<String> {
    Vec::new()
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn wide_modes_are_narrowed_and_reported_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(dir.path().join("tessera.db"), b"").unwrap();
        std::fs::set_permissions(dir.path().join("tessera.db"), std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(restrict(dir.path()).len(), 2);
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(dir.path()), 0o700);
        assert_eq!(mode(&dir.path().join("tessera.db")), 0o600);
        assert!(restrict(dir.path()).is_empty(), "nothing left to narrow");
    }
}
