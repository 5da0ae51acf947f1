//! Atomic outputs: the one way the crate writes a file or a folder.
//!
//! A reader, or a process killed at any instant, sees the previous version of an output or
//! the new one, never a half-written one, and never neither:
//! - a file is written to a temporary sibling ([`tempfile::NamedTempFile`]) and renamed over
//!   the target ([`write_file`], [`write_with`]);
//! - a folder is built in a temporary sibling ([`tempfile::TempDir`]) and swapped with the
//!   target in one `renameat2(RENAME_EXCHANGE)` on Linux ([`AtomicDir::commit`]). Where the
//!   exchange is not supported, the target is moved aside first and moved back on failure;
//!   a crash between the two renames is repaired by the next writer ([`recover`]).
//!
//! Temporary siblings are hidden (`.NAME.tmp-PID-XXXX`) and carry the writer's process id,
//! so the next writer removes those left by a crashed process ([`clean_stale`]).
//!
//! Paths are checked before anything is written: [`check_component`] for names that become
//! path components (run ids), [`guard_replace`] for a target that `--force` would replace.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

/// Why an output could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("output directory {0} exists and is not empty; pass --force to replace it")]
    NotEmpty(PathBuf),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "{what} `{value}` is not allowed: use 1 to 64 letters, digits, `.`, `_` or `-`, \
         starting with a letter or digit"
    )]
    BadName { what: &'static str, value: String },
    #[error("refusing to write {path}: {why}")]
    Unsafe { path: PathBuf, why: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Crash points for the kill tests: when `ENGAGEMENT_CRASH_AT` names `point`, the process
/// aborts there, as a `kill -9` would stop it. Costs one environment lookup.
pub fn crash_point(point: &str) {
    if std::env::var_os("ENGAGEMENT_CRASH_AT").is_some_and(|v| v == point) {
        std::process::abort();
    }
}

// ---------------------------------------------------------------------------------------------
// Names and targets

/// Checks a user-supplied name that becomes one path component (a run id, an experiment
/// name): `[A-Za-z0-9][A-Za-z0-9._-]{0,63}`, so it is never empty, `.`, `..`, absolute or
/// made of several components.
pub fn check_component(what: &'static str, value: &str) -> Result<(), OutputError> {
    let ok = (1..=64).contains(&value.len())
        && value
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(OutputError::BadName {
            what,
            value: value.to_string(),
        })
    }
}

/// `path` made absolute and normalised, resolving symlinks in the part that exists.
pub fn resolve(path: &Path) -> PathBuf {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(path)
    };
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    // Canonicalise the longest existing prefix, keep the rest as written.
    let mut head = out.clone();
    let mut tail = Vec::new();
    while !head.exists() {
        match (head.file_name().map(|n| n.to_os_string()), head.parent()) {
            (Some(name), Some(parent)) => {
                tail.push(name);
                head = parent.to_path_buf();
            }
            _ => break,
        }
    }
    let mut resolved = std::fs::canonicalize(&head).unwrap_or(head);
    resolved.extend(tail.iter().rev());
    resolved
}

/// Checks that `target` may be replaced as a whole: it must not be the filesystem root, the
/// working directory or one of its ancestors, and it must neither contain nor lie inside any
/// of `inputs` (so `ingest dsn/ --out dsn --force` cannot delete the declarations).
pub fn guard_replace(target: &Path, inputs: &[&Path]) -> Result<(), OutputError> {
    let t = resolve(target);
    let unsafe_ = |why: String| OutputError::Unsafe {
        path: target.to_path_buf(),
        why,
    };
    if t.parent().is_none() {
        return Err(unsafe_("it is the filesystem root".into()));
    }
    let cwd = resolve(Path::new("."));
    if cwd.starts_with(&t) {
        return Err(unsafe_(
            "it is the working directory or one of its parents".into(),
        ));
    }
    for input in inputs {
        let i = resolve(input);
        if i.starts_with(&t) {
            return Err(unsafe_(format!(
                "it contains the input {}",
                input.display()
            )));
        }
        if t.starts_with(&i) {
            return Err(unsafe_(format!(
                "it is inside the input {}",
                input.display()
            )));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Files

/// Writes `bytes` to `path` atomically (temporary sibling, then rename).
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    write_with(path, |f| f.write_all(bytes).map_err(io(path)))
}

/// Writes `path` atomically through `fill`, which receives a buffered writer on a temporary
/// sibling; the file replaces `path` only if `fill` succeeds.
pub fn write_with<E>(
    path: &Path,
    fill: impl FnOnce(&mut std::io::BufWriter<&std::fs::File>) -> Result<(), E>,
) -> Result<(), E>
where
    E: From<OutputError>,
{
    let parent = parent_of(path);
    std::fs::create_dir_all(parent).map_err(io(parent))?;
    let tmp = tempfile::Builder::new()
        .prefix(&hidden_prefix(path, "tmp"))
        .tempfile_in(parent)
        .map_err(io(path))?;
    {
        let mut w = std::io::BufWriter::new(tmp.as_file());
        fill(&mut w)?;
        w.flush().map_err(io(path))?;
    }
    tmp.as_file().sync_all().map_err(io(path))?;
    tmp.persist(path).map_err(|e| io(path)(e.error))?;
    Ok(())
}

fn parent_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

fn hidden_prefix(target: &Path, tag: &str) -> String {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    format!(".{name}.{tag}-{}-", std::process::id())
}

// ---------------------------------------------------------------------------------------------
// Folders

/// What to do with a target folder that already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Existing {
    /// Refuse a non-empty target ([`OutputError::NotEmpty`]).
    Refuse,
    /// Replace it as a whole at commit.
    Replace,
    /// Start from a copy of its content (hard links), to add or rewrite some files.
    Update,
}

/// A folder being written; [`AtomicDir::commit`] puts it in place.
#[derive(Debug)]
pub struct AtomicDir {
    tmp: Option<tempfile::TempDir>,
    target: PathBuf,
}

impl AtomicDir {
    /// Prepares a new version of `target`: `force` replaces a non-empty target, otherwise
    /// it is refused. Use [`guard_replace`] first when the target comes from the user.
    pub fn create(target: &Path, force: bool) -> Result<AtomicDir, OutputError> {
        let existing = if force {
            Existing::Replace
        } else {
            Existing::Refuse
        };
        AtomicDir::open(target, existing, &[])
    }

    /// Prepares a new version of `target`. With [`Existing::Update`], the current content is
    /// carried over except the relative paths in `replace`, which the caller rewrites.
    pub fn open(
        target: &Path,
        existing: Existing,
        replace: &[&Path],
    ) -> Result<AtomicDir, OutputError> {
        recover(target)?;
        if existing == Existing::Refuse && is_non_empty_dir(target)? {
            return Err(OutputError::NotEmpty(target.to_path_buf()));
        }
        let parent = parent_of(target);
        std::fs::create_dir_all(parent).map_err(io(parent))?;
        clean_stale(target);
        let tmp = tempfile::Builder::new()
            .prefix(&hidden_prefix(target, "tmp"))
            .tempdir_in(parent)
            .map_err(io(parent))?;
        if existing == Existing::Update && target.is_dir() {
            copy_tree(target, tmp.path(), replace, Path::new(""))?;
        }
        Ok(AtomicDir {
            tmp: Some(tmp),
            target: target.to_path_buf(),
        })
    }

    /// Where to write while the folder is being built.
    pub fn path(&self) -> &Path {
        self.tmp.as_ref().map(|t| t.path()).unwrap_or(&self.target)
    }

    /// The final location.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Writes one file at a relative path (parents created). Absolute paths and `..` are
    /// refused so nothing escapes the folder.
    pub fn write(&self, rel: &Path, bytes: &[u8]) -> Result<(), OutputError> {
        if rel.as_os_str().is_empty()
            || rel.components().any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(OutputError::Unsafe {
                path: rel.to_path_buf(),
                why: "not a relative path inside the output folder".into(),
            });
        }
        let path = self.path().join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).map_err(io(p))?;
        }
        // Remove first: the entry may be a hard link shared with the previous version.
        let _ = std::fs::remove_file(&path);
        std::fs::write(&path, bytes).map_err(io(&path))
    }

    /// Writes every `(relative path, bytes)` pair.
    pub fn write_all(&self, files: &[(PathBuf, Vec<u8>)]) -> Result<(), OutputError> {
        files.iter().try_for_each(|(p, b)| self.write(p, b))
    }

    /// Puts the finished folder in place of the target, atomically, and removes the
    /// previous version.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        let tmp = self.tmp.take().expect("an AtomicDir is committed once");
        let staged = tmp.keep();
        crash_point("output-before-swap");
        match swap_into_place(&staged, &self.target) {
            Ok(Some(old)) => {
                crash_point("output-after-swap");
                let _ = std::fs::remove_dir_all(old);
                Ok(self.target.clone())
            }
            Ok(None) => Ok(self.target.clone()),
            Err(e) => {
                let _ = std::fs::remove_dir_all(&staged);
                Err(e)
            }
        }
    }
}

fn is_non_empty_dir(path: &Path) -> Result<bool, OutputError> {
    match std::fs::read_dir(path) {
        Ok(mut d) => Ok(d.next().is_some()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => Ok(true),
        Err(e) => Err(io(path)(e)),
    }
}

/// Moves `staged` to `target`. Returns where the previous target now is (to be removed),
/// if there was one.
fn swap_into_place(staged: &Path, target: &Path) -> Result<Option<PathBuf>, OutputError> {
    if !target.exists() {
        std::fs::rename(staged, target).map_err(io(target))?;
        return Ok(None);
    }
    if exchange(staged, target).is_ok() {
        return Ok(Some(staged.to_path_buf()));
    }
    // No atomic exchange here: move the old version aside, and back if the rename fails.
    let old = parent_of(target).join(format!("{}{}", hidden_prefix(target, "old"), "x"));
    std::fs::rename(target, &old).map_err(io(target))?;
    crash_point("output-between-renames");
    if let Err(e) = std::fs::rename(staged, target) {
        let _ = std::fs::rename(&old, target);
        return Err(io(target)(e));
    }
    Ok(Some(old))
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let ca = CString::new(a.as_os_str().as_bytes())?;
    let cb = CString::new(b.as_os_str().as_bytes())?;
    // SAFETY: both paths are valid NUL-terminated strings that outlive the call.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

/// Repairs a replacement interrupted between its two renames: if `target` is missing and a
/// previous version was moved aside by a process that is gone, it is put back.
pub fn recover(target: &Path) -> Result<(), OutputError> {
    if target.exists() {
        return Ok(());
    }
    if let Some(old) = siblings(target, "old")
        .into_iter()
        .find(|p| !owner_alive(p))
    {
        std::fs::rename(&old, target).map_err(io(target))?;
    }
    Ok(())
}

/// Removes the temporary siblings of `target` left by processes that are gone.
pub fn clean_stale(target: &Path) {
    for p in siblings(target, "tmp") {
        if !owner_alive(&p) {
            let _ = std::fs::remove_dir_all(&p).or_else(|_| std::fs::remove_file(&p));
        }
    }
}

/// Hidden siblings `.NAME.TAG-PID-*` of `target`.
fn siblings(target: &Path, tag: &str) -> Vec<PathBuf> {
    let Some(name) = target.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Vec::new();
    };
    let prefix = format!(".{name}.{tag}-");
    let Ok(entries) = std::fs::read_dir(parent_of(target)) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect();
    found.sort();
    found
}

/// Whether the process that created a hidden sibling is still running (Linux: `/proc`;
/// elsewhere, assume it is unless the sibling is more than a day old).
fn owner_alive(sibling: &Path) -> bool {
    let name = sibling
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let pid = name
        .rsplit_once(".tmp-")
        .or_else(|| name.rsplit_once(".old-"))
        .and_then(|(_, rest)| rest.split('-').next())
        .and_then(|p| p.parse::<u32>().ok());
    match pid {
        Some(pid) if pid == std::process::id() => true,
        Some(pid) if cfg!(target_os = "linux") => Path::new(&format!("/proc/{pid}")).exists(),
        _ => std::fs::metadata(sibling)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age.as_secs() < 86_400),
    }
}

fn copy_tree(from: &Path, to: &Path, skip: &[&Path], rel: &Path) -> Result<(), OutputError> {
    for e in std::fs::read_dir(from).map_err(io(from))? {
        let e = e.map_err(io(from))?;
        let r = rel.join(e.file_name());
        if skip.contains(&r.as_path()) {
            continue;
        }
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if e.file_type().map_err(io(&src))?.is_dir() {
            std::fs::create_dir_all(&dst).map_err(io(&dst))?;
            copy_tree(&src, &dst, skip, &r)?;
        } else if std::fs::hard_link(&src, &dst).is_err() {
            // Hard links are free and safe: files are only ever replaced, never edited.
            std::fs::copy(&src, &dst).map_err(io(&dst))?;
        }
    }
    Ok(())
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
        let leftovers: Vec<_> = std::fs::read_dir(root.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1, "old version and temporaries removed");
        // An abandoned folder leaves no trace.
        let d = AtomicDir::create(&root.path().join("other"), false).unwrap();
        let tmp = d.path().to_path_buf();
        drop(d);
        assert!(!tmp.exists() && !root.path().join("other").exists());
    }

    #[test]
    fn update_carries_files_over_and_replaces_listed_paths() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("r");
        std::fs::create_dir_all(target.join("figures")).unwrap();
        std::fs::write(target.join("keep.txt"), "k").unwrap();
        std::fs::write(target.join("figures/old.svg"), "o").unwrap();
        let d = AtomicDir::open(&target, Existing::Update, &[Path::new("figures")]).unwrap();
        d.write(Path::new("figures/new.svg"), b"n").unwrap();
        assert!(d.write(Path::new("../escape"), b"x").is_err());
        assert!(d.write(Path::new("/abs"), b"x").is_err());
        d.commit().unwrap();
        assert!(target.join("keep.txt").exists());
        assert!(!target.join("figures/old.svg").exists());
        assert!(target.join("figures/new.svg").exists());
    }

    #[test]
    fn stale_siblings_of_dead_processes_are_removed_and_old_versions_restored() {
        let root = tempfile::tempdir().unwrap();
        let target = root.path().join("run");
        // Pid 0 is never a user process: its siblings are stale.
        let stale_tmp = root.path().join(".run.tmp-0-abc");
        std::fs::create_dir_all(&stale_tmp).unwrap();
        let stale_old = root.path().join(".run.old-0-x");
        std::fs::create_dir_all(&stale_old).unwrap();
        std::fs::write(stale_old.join("index.html"), "previous").unwrap();
        let d = AtomicDir::create(&target, true).unwrap();
        assert!(!stale_tmp.exists(), "crashed writer's temporary removed");
        assert!(!stale_old.exists(), "previous version put back");
        assert_eq!(
            std::fs::read_to_string(target.join("index.html")).unwrap(),
            "previous"
        );
        drop(d);
        assert!(target.join("index.html").exists());
    }

    #[test]
    fn files_are_replaced_whole() {
        let root = tempfile::tempdir().unwrap();
        let p = root.path().join("a/b.txt");
        write_file(&p, b"one").unwrap();
        write_file(&p, b"two").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "two");
        let failed: Result<(), OutputError> = write_with(&p, |_| {
            Err(OutputError::Unsafe {
                path: p.clone(),
                why: "test".into(),
            })
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "two");
        assert_eq!(std::fs::read_dir(root.path().join("a")).unwrap().count(), 1);
    }

    #[test]
    fn names_and_targets_are_checked() {
        for bad in [
            "", ".", "..", "../..", "/tmp/x", "a/b", ".hidden", "a b", "é",
        ] {
            assert!(check_component("run id", bad).is_err(), "{bad:?}");
        }
        for good in ["20261129", "baseline-2", "v1.2_final"] {
            assert!(check_component("run id", good).is_ok(), "{good:?}");
        }
        let root = tempfile::tempdir().unwrap();
        let input = root.path().join("dsn/2023");
        std::fs::create_dir_all(&input).unwrap();
        assert!(guard_replace(&root.path().join("dsn"), &[&input]).is_err());
        assert!(guard_replace(&input.join("out"), &[&input]).is_err());
        assert!(guard_replace(&input, &[&input]).is_err());
        assert!(guard_replace(Path::new("."), &[]).is_err());
        assert!(guard_replace(Path::new(".."), &[]).is_err());
        assert!(guard_replace(Path::new("/"), &[]).is_err());
        assert!(guard_replace(&root.path().join("tables"), &[&input]).is_ok());
    }
}
