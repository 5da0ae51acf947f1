//! Atomic output directories: everything is written into a temporary sibling directory,
//! renamed into place at the end, so an interrupted run never leaves a complete-looking
//! dataset or report.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("output directory {0} exists and is not empty; pass --force to replace it")]
    NotEmpty(PathBuf),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A directory being written; [`AtomicDir::commit`] moves it to its final place.
#[derive(Debug)]
pub struct AtomicDir {
    tmp: PathBuf,
    target: PathBuf,
    committed: bool,
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl AtomicDir {
    /// Prepares `target`. An existing non-empty directory is refused unless `force`.
    pub fn create(target: &Path, force: bool) -> Result<AtomicDir, OutputError> {
        if target.exists() {
            let non_empty = std::fs::read_dir(target)
                .map_err(io(target))?
                .next()
                .is_some();
            if non_empty && !force {
                return Err(OutputError::NotEmpty(target.to_path_buf()));
            }
        }
        let parent = target
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent).map_err(io(parent))?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
        if tmp.exists() {
            std::fs::remove_dir_all(&tmp).map_err(io(&tmp))?;
        }
        std::fs::create_dir_all(&tmp).map_err(io(&tmp))?;
        Ok(AtomicDir {
            tmp,
            target: target.to_path_buf(),
            committed: false,
        })
    }

    /// Where to write while the directory is being built.
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// The final location.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Replaces the target with the finished directory.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        if self.target.exists() {
            std::fs::remove_dir_all(&self.target).map_err(io(&self.target))?;
        }
        std::fs::rename(&self.tmp, &self.target).map_err(io(&self.target))?;
        self.committed = true;
        Ok(self.target.clone())
    }
}

impl Drop for AtomicDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.tmp);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_non_empty_and_commits() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("out");
        std::fs::create_dir_all(&target).unwrap();
        std::fs::write(target.join("x"), "old").unwrap();
        assert!(matches!(
            AtomicDir::create(&target, false),
            Err(OutputError::NotEmpty(_))
        ));
        let d = AtomicDir::create(&target, true).unwrap();
        std::fs::write(d.path().join("y"), "new").unwrap();
        assert!(target.join("x").exists(), "nothing replaced before commit");
        d.commit().unwrap();
        assert!(!target.join("x").exists() && target.join("y").exists());
        // An abandoned directory leaves no trace.
        let d = AtomicDir::create(&root.path().join("other"), false).unwrap();
        let tmp = d.path().to_path_buf();
        drop(d);
        assert!(!tmp.exists() && !root.path().join("other").exists());
    }
}
