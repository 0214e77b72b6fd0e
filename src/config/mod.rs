//! Where kqlhunt keeps its files, per platform (via `directories`), with `KQLHUNT_HOME`
//! overriding all of them (tests and portable installs). Directories are created
//! owner-only, because the token cache and history will live here. Profiles (the TOML
//! file, environment and flags) are resolved in `profile`; the workbench's own sections
//! (`[ui]`, `[keys]`, `[theme]`) are read in `ui`.

pub mod profile;
pub mod ui;

pub use profile::{
    AuthMethod, ConfigError, EnvVars, Overrides, ResolvedProfile, SecretSource, Setting, Source,
};

use std::io;
use std::path::{Path, PathBuf};

/// The directories kqlhunt writes to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paths {
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
    /// Logs and other state that may be deleted at any time.
    pub state_dir: PathBuf,
}

impl Paths {
    /// The platform's directories, or `$KQLHUNT_HOME/{config,data,state}` when it is set.
    pub fn discover() -> Option<Paths> {
        if let Some(home) = std::env::var_os("KQLHUNT_HOME").filter(|h| !h.is_empty()) {
            return Some(Paths::under(Path::new(&home)));
        }
        let dirs = directories::ProjectDirs::from("", "", "kqlhunt")?;
        let state_dir = dirs
            .state_dir()
            .unwrap_or_else(|| dirs.cache_dir())
            .to_path_buf();
        Some(Paths {
            config_dir: dirs.config_dir().to_path_buf(),
            data_dir: dirs.data_dir().to_path_buf(),
            state_dir,
        })
    }

    pub fn under(root: &Path) -> Paths {
        Paths {
            config_dir: root.join("config"),
            data_dir: root.join("data"),
            state_dir: root.join("state"),
        }
    }

    pub fn log_file(&self) -> PathBuf {
        self.state_dir.join("kqlhunt.log")
    }
}

/// Create `dir` (and parents) readable by the owner only.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Replace `path` with `bytes` all at once, owner-only (0600), creating its directory
/// owner-only when missing. See [`write_atomic`].
pub fn write_private_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    create_private_dir(path.parent().unwrap_or(Path::new(".")))?;
    write_atomic(path, bytes, true)
}

/// Replace `path` with `bytes` all at once: written to a temporary file beside it, synced,
/// then renamed, so a crash or a second process never sees half a file. `private` makes it
/// owner-only (0600); otherwise a replaced file keeps its permissions and a new one gets the
/// umask's.
pub fn write_atomic(path: &Path, bytes: &[u8], private: bool) -> io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(
        ".{name}.{}.{}.tmp",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    let kept = (!private)
        .then(|| std::fs::metadata(path).ok().map(|m| m.permissions()))
        .flatten();
    let result = (|| {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        if private {
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        }
        let mut f = options.open(&tmp)?;
        f.write_all(bytes)?;
        if let Some(p) = kept {
            f.set_permissions(p)?;
        }
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_dirs_are_owner_only() {
        let root = std::env::temp_dir().join(format!("kqlhunt-paths-{}", std::process::id()));
        let paths = Paths::under(&root);
        create_private_dir(&paths.state_dir).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&paths.state_dir)
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o700);
        }
        assert!(paths.log_file().ends_with("state/kqlhunt.log"));
        std::fs::remove_dir_all(root).unwrap();
    }
}
