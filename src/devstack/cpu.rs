//! CPU time used by processes, from /proc, so benchmarks can say where a
//! machine's cores went (the server under test shares them).
use std::time::Duration;

/// /proc reports CPU time in USER_HZ ticks, which Linux fixes at 100 per
/// second for this interface.
const TICK: Duration = Duration::from_millis(10);

/// User plus system time of a process (all its threads), with the time of
/// the children it has reaped, plus the time of its living children.
/// `None` where /proc is unavailable or the process is gone.
pub fn process_tree(pid: u32) -> Option<Duration> {
    let own = stat(pid)?;
    let living: u64 = children(pid)
        .filter_map(|child| stat(child).map(|s| s.own))
        .sum();
    Some(TICK * u32::try_from(own.own + own.reaped + living).ok()?)
}

/// This process's own CPU time (every thread).
pub fn this_process() -> Option<Duration> {
    let s = stat(std::process::id())?;
    Some(TICK * u32::try_from(s.own).ok()?)
}

struct Ticks {
    ppid: u32,
    /// utime + stime
    own: u64,
    /// cutime + cstime
    reaped: u64,
}

fn stat(pid: u32) -> Option<Ticks> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&text)
}

/// Fields after the command name (which may hold spaces and parentheses,
/// hence the last `)`): state ppid … utime(14) stime cutime cstime.
fn parse_stat(text: &str) -> Option<Ticks> {
    let rest = &text[text.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let n = |i: usize| f.get(i)?.parse::<u64>().ok();
    Some(Ticks {
        ppid: u32::try_from(n(1)?).ok()?,
        own: n(11)? + n(12)?,
        reaped: n(13)? + n(14)?,
    })
}

fn children(pid: u32) -> impl Iterator<Item = u32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(move |&p| stat(p).is_some_and(|s| s.ppid == pid))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_fields_after_a_command_name_with_spaces_and_parentheses() {
        let line = "4242 (imap (x) y) S 17 4242 4242 0 -1 4194560 1 0 0 0 30 12 5 2 20 0 1 0 1 1 1";
        let t = parse_stat(line).expect("parses");
        assert_eq!(t.ppid, 17);
        assert_eq!(t.own, 42);
        assert_eq!(t.reaped, 7);
        assert!(parse_stat("garbage").is_none());
    }

    #[test]
    fn this_process_has_used_some_cpu_after_work() {
        let before = this_process().expect("linux /proc");
        let mut x = 0u64;
        let start = std::time::Instant::now();
        while start.elapsed() < Duration::from_millis(60) {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
        }
        std::hint::black_box(x);
        assert!(this_process().expect("linux /proc") > before);
    }
}
