//! The smallest SMTP client that does the job, as the benchmark's measure
//! of what the receiver can take: each connection sends MAIL, RCPT and
//! DATA in turn and waits for each reply, with Nagle off. No pool, no TLS,
//! no retries.
use anyhow::{Context, bail};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// One mail: envelope sender, recipients, bytes (CRLF line ends).
pub type Mail = (String, Vec<String>, Vec<u8>);

/// Sends `mails` over `connections` connections; returns how many were accepted.
pub async fn send_all(port: u16, mails: &[Mail], connections: usize) -> anyhow::Result<usize> {
    let per = mails.len().div_ceil(connections.max(1)).max(1);
    let mut tasks = tokio::task::JoinSet::new();
    for chunk in mails.chunks(per) {
        let chunk = chunk.to_vec();
        tasks.spawn(async move { session(port, &chunk).await });
    }
    let mut sent = 0;
    while let Some(r) = tasks.join_next().await {
        sent += r??;
    }
    Ok(sent)
}

async fn session(port: u16, mails: &[Mail]) -> anyhow::Result<usize> {
    let tcp = TcpStream::connect(("127.0.0.1", port))
        .await
        .context("connecting")?;
    tcp.set_nodelay(true)?;
    let mut conn = BufReader::new(tcp);
    expect(&mut conn, '2').await?;
    command(&mut conn, b"EHLO bench.example\r\n", '2').await?;
    for (from, to, raw) in mails {
        command(&mut conn, format!("MAIL FROM:<{from}>\r\n").as_bytes(), '2').await?;
        for rcpt in to {
            command(&mut conn, format!("RCPT TO:<{rcpt}>\r\n").as_bytes(), '2').await?;
        }
        command(&mut conn, b"DATA\r\n", '3').await?;
        let mut data = Vec::with_capacity(raw.len() + 16);
        for line in raw.split_inclusive(|b| *b == b'\n') {
            if line.first() == Some(&b'.') {
                data.push(b'.');
            }
            data.extend_from_slice(line);
        }
        if !data.ends_with(b"\r\n") {
            data.extend_from_slice(b"\r\n");
        }
        data.extend_from_slice(b".\r\n");
        command(&mut conn, &data, '2').await?;
    }
    command(&mut conn, b"QUIT\r\n", '2').await?;
    Ok(mails.len())
}

async fn command(conn: &mut BufReader<TcpStream>, bytes: &[u8], want: char) -> anyhow::Result<()> {
    conn.get_mut().write_all(bytes).await?;
    expect(conn, want).await
}

/// Reads one reply (all its lines); fails unless it starts with `want`.
async fn expect(conn: &mut BufReader<TcpStream>, want: char) -> anyhow::Result<()> {
    let mut line = String::new();
    loop {
        line.clear();
        if conn.read_line(&mut line).await? == 0 {
            bail!("the server closed the connection");
        }
        if line.as_bytes().get(3) != Some(&b'-') {
            break;
        }
    }
    if !line.starts_with(want) {
        bail!("unexpected reply: {}", line.trim_end());
    }
    Ok(())
}
