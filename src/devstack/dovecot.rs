//! Dovecot's config for one stack, and who owns the mail it stores.

use std::fs::{self, Permissions};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};

use super::tls::TlsFiles;

/// Uid and gid of Debian's `mail` user: as root, Dovecot won't store mail as root.
const MAIL_ID: u32 = 8;

/// Who Dovecot stores mail as: the `mail` user as root, else the current user.
#[derive(Clone, Copy, Debug)]
pub(super) struct MailOwner {
    pub uid: u32,
    pub gid: u32,
    /// Whether we run as root, so files we write for Dovecot must be chowned.
    pub chown: bool,
}

impl MailOwner {
    pub fn of_this_process() -> Result<MailOwner> {
        let me = fs::metadata("/proc/self").context("stat /proc/self")?;
        Ok(match me.uid() {
            0 => MailOwner {
                uid: MAIL_ID,
                gid: MAIL_ID,
                chown: true,
            },
            uid => MailOwner {
                uid,
                gid: me.gid(),
                chown: false,
            },
        })
    }

    /// Gives `path` to the mail user, if we run as root.
    pub fn own(&self, path: &Path) -> Result<()> {
        if self.chown {
            let owned = std::os::unix::fs::chown(path, Some(self.uid), Some(self.gid));
            owned.with_context(|| format!("chown {} to the mail user", path.display()))?;
        }
        Ok(())
    }
}

/// The ports Dovecot listens on; `imaps` 0 means no implicit-TLS listener.
pub(super) struct DovecotPorts {
    pub imap: u16,
    pub imaps: u16,
    pub lmtp: u16,
}

/// Writes `dir/dovecot.conf` and makes `mail`, `run` and `state` under `dir`.
pub(super) fn write_config(
    dir: &Path,
    owner: MailOwner,
    ports: DovecotPorts,
    tls: Option<&TlsFiles>,
) -> Result<()> {
    let (run_as, chroot) = if owner.chown {
        make_traversable(dir)?;
        (String::new(), "")
    } else {
        let (user, group) = (id("-un")?, id("-gn")?);
        let run_as = format!(
            "default_internal_user = {user}\ndefault_login_user = {user}\n\
             default_internal_group = {group}"
        );
        (run_as, "chroot =")
    };
    for sub in ["mail", "run", "state"] {
        fs::create_dir(dir.join(sub)).with_context(|| format!("create {sub}/"))?;
    }
    owner.own(&dir.join("mail"))?;
    let ssl = match tls {
        Some(tls) => format!(
            "ssl = yes\nssl_cert = <{}\nssl_key = <{}",
            tls.cert.display(),
            tls.key.display()
        ),
        None => "ssl = no".to_string(),
    };
    let conf = DOVECOT_CONF
        .replace("@RUN_AS@", &run_as)
        .replace("@CHROOT@", chroot)
        .replace("@SSL@", &ssl)
        .replace("@DIR@", &dir.display().to_string())
        .replace("@UID@", &owner.uid.to_string())
        .replace("@GID@", &owner.gid.to_string())
        .replace("@IMAP@", &ports.imap.to_string())
        .replace("@IMAPS@", &ports.imaps.to_string())
        .replace("@LMTP@", &ports.lmtp.to_string());
    fs::write(dir.join("dovecot.conf"), conf).context("write dovecot.conf")
}

/// The Dovecot config, with `@...@` placeholders filled in by `write_config`.
pub(super) const DOVECOT_CONF: &str = r#"# Written by postdesk::devstack for one mail stack.
base_dir = @DIR@/run
state_dir = @DIR@/state
log_path = @DIR@/dovecot.log
log_timestamp = "%H:%M:%S.%{usecs} "
auth_verbose = yes
protocols = imap lmtp
listen = 127.0.0.1
@SSL@
disable_plaintext_auth = no
auth_failure_delay = 0
mail_fsync = never
mail_location = maildir:~/Maildir
mail_max_userip_connections = 1000
first_valid_uid = @UID@
# Without stats, a stop takes ~1.1 s, not up to 6 s.
stats_writer_socket_path =
@RUN_AS@
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u @DIR@/users
}
userdb {
  driver = passwd-file
  args = username_format=%u @DIR@/users
  default_fields = uid=@UID@ gid=@GID@ home=@DIR@/mail/%d/%n
}
service imap-login {
  @CHROOT@
  inet_listener imap {
    port = @IMAP@
  }
  # Port 0 (without TLS): no listener, not Dovecot's default 993.
  inet_listener imaps {
    port = @IMAPS@
    ssl = yes
  }
}
service lmtp {
  inet_listener lmtp {
    port = @LMTP@
  }
}
service anvil {
  @CHROOT@
  # Nobody may connect to it: that turns the failed-login penalty off.
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
"#;

/// The current user's or group's name (`id -un`, `id -gn`).
fn id(flag: &str) -> Result<String> {
    let out = Command::new("id").arg(flag).output().context("run id")?;
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Dovecot's unprivileged processes must reach the temp dir: chmod go+x it and its parents.
fn make_traversable(dir: &Path) -> Result<()> {
    for dir in dir.ancestors() {
        let mode = fs::metadata(dir)?.permissions().mode();
        if mode & 0o011 != 0o011 {
            let mode = Permissions::from_mode(mode | 0o011);
            let set = fs::set_permissions(dir, mode);
            set.with_context(|| format!("chmod go+x {}", dir.display()))?;
        }
    }
    Ok(())
}
