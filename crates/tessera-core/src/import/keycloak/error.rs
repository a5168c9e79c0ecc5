//! The one error of the import: what is wrong and where in the document.

#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ImportError {
    /// Where in the document, e.g. `clients[2].enabled`.
    pub path: String,
    pub message: String,
}

impl ImportError {
    pub(super) fn at(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self { path: path.into(), message: message.into() }
    }
}
