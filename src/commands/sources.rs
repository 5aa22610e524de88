//! Where `postdesk import` reads mail from: one .eml file, a folder of
//! them, an mbox file or a maildir.
use anyhow::Context;
use std::fs;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

pub type RawIter = Box<dyn Iterator<Item = anyhow::Result<Vec<u8>>> + Send>;

pub struct MailSource {
    pub kind: &'static str,
    /// How many emails, when known up front.
    pub total: Option<u64>,
    pub mails: RawIter,
}

pub fn open(path: &Path) -> anyhow::Result<MailSource> {
    let meta = fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if meta.is_dir() {
        let maildir = path.join("cur").is_dir() || path.join("new").is_dir();
        let files = if maildir {
            let mut files = list_files(&path.join("new"))?;
            files.extend(list_files(&path.join("cur"))?);
            // Maildir names start with the delivery time: name order is arrival order.
            files.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
            files
        } else {
            let mut files = Vec::new();
            walk(path, &mut files)?;
            files.sort();
            files
        };
        let total = Some(files.len() as u64);
        let kind = if maildir { "maildir" } else { "folder" };
        return Ok(MailSource {
            kind,
            total,
            mails: Box::new(files.into_iter().map(read_file)),
        });
    }
    if is_mbox(path)? {
        let file =
            fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
        let iter = mail_parser::mailbox::mbox::MessageIterator::new(BufReader::new(file))
            .map(|m| m.map(|m| m.unwrap_contents()).context("reading the mbox"));
        return Ok(MailSource {
            kind: "mbox",
            total: None,
            mails: Box::new(iter),
        });
    }
    let path = path.to_path_buf();
    Ok(MailSource {
        kind: "file",
        total: Some(1),
        mails: Box::new(std::iter::once(read_file(path))),
    })
}

fn read_file(path: PathBuf) -> anyhow::Result<Vec<u8>> {
    fs::read(&path).with_context(|| format!("cannot read {}", path.display()))
}

fn is_mbox(path: &Path) -> anyhow::Result<bool> {
    let mut head = [0u8; 5];
    let mut f = fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let n = f.read(&mut head)?;
    Ok(&head[..n] == b"From ")
}

fn list_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for entry in fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let entry = entry?;
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if entry.file_type()?.is_file() && !hidden {
            out.push(entry.path());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("listing {}", dir.display()))? {
        let entry = entry?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(&entry.path(), out)?;
        } else if kind.is_file() {
            out.push(entry.path());
        }
    }
    Ok(())
}
