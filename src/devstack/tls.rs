//! A throwaway CA and a server certificate it signs, made with the `openssl`
//! CLI. rustls refuses a self-signed certificate that is itself a CA as a
//! server's certificate, hence two.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

/// Where the stack's TLS files are (all PEM).
#[derive(Clone, Debug)]
pub struct TlsFiles {
    /// The CA certificate clients should trust.
    pub ca: PathBuf,
    /// The server certificate (SAN `DNS:localhost`, `IP:127.0.0.1`).
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// P-256 keys: much quicker to make than RSA ones.
const KEY: [&str; 4] = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];

/// Our own config, so the system's openssl.cnf defaults don't matter.
const OPENSSL_CNF: &str = "\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = Postdesk devstack
[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
";

/// Makes `dir` (if needed) and writes a CA (`ca.pem`) and a server
/// certificate and key it signed (`server.pem`, `server.key`) into it.
pub fn generate(dir: &Path) -> Result<TlsFiles> {
    fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
    let cnf = dir.join("openssl.cnf");
    fs::write(&cnf, OPENSSL_CNF).context("write openssl.cnf")?;
    let files = TlsFiles {
        ca: dir.join("ca.pem"),
        cert: dir.join("server.pem"),
        key: dir.join("server.key"),
    };
    let (ca_key, csr) = (dir.join("ca.key"), dir.join("server.csr"));
    let days = ["-days", "30"];
    openssl(|c| {
        c.args(["req", "-x509", "-nodes", "-extensions", "ca"])
            .args(KEY)
            .args(days);
        c.args(["-subj", "/CN=Postdesk devstack CA", "-config"])
            .arg(&cnf);
        c.arg("-keyout").arg(&ca_key).arg("-out").arg(&files.ca);
    })?;
    openssl(|c| {
        c.args(["req", "-new", "-nodes"]).args(KEY);
        c.args(["-subj", "/CN=localhost", "-config"]).arg(&cnf);
        c.arg("-keyout").arg(&files.key).arg("-out").arg(&csr);
    })?;
    openssl(|c| {
        c.args(["x509", "-req", "-extensions", "server"]).args(days);
        c.arg("-in")
            .arg(&csr)
            .arg("-CA")
            .arg(&files.ca)
            .arg("-CAkey")
            .arg(&ca_key);
        c.arg("-CAcreateserial")
            .arg("-CAserial")
            .arg(dir.join("ca.srl"));
        c.arg("-extfile").arg(&cnf).arg("-out").arg(&files.cert);
    })?;
    Ok(files)
}

/// Runs `openssl` with the arguments `args` adds; fails with its stderr.
fn openssl(args: impl FnOnce(&mut Command)) -> Result<()> {
    let mut command = Command::new("openssl");
    args(&mut command);
    let out = command
        .output()
        .context("mail stack: cannot run openssl (apt-get install openssl)")?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        bail!("mail stack: {command:?} failed ({}):\n{err}", out.status);
    }
    Ok(())
}
