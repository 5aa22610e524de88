//! SQL functions Postdesk adds to each SQLite connection, where SQLite's
//! own would hand over a large result as text only for it to be parsed
//! again.
//!
//! `ticket_ids(rowid, cap)` is an aggregate over search-index rowids
//! (migration 0007: the ticket's id in the high 32 bits): the tickets, in
//! the order the rows come, each run of one ticket once, as a blob of
//! little-endian 64-bit ids. Past `cap` rows it fails with [`TOO_MANY`],
//! which ends the read there. For a word in 60,000 messages it costs about
//! half of `group_concat` in a capped subquery, and the blob is read back
//! without parsing.
use libsqlite3_sys as ffi;
use sqlx::SqliteConnection;
use std::ffi::{c_int, c_void};

/// The error `ticket_ids` fails with once it was given more than its cap.
pub const TOO_MANY: &str = "ticket_ids: more rows than the cap";

/// Registers the functions on a new connection.
pub async fn register(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    let db = handle.as_raw_handle().as_ptr();
    // SAFETY: `db` is this connection's open handle, locked for the call;
    // the name is a NUL-terminated static string and the callbacks match
    // the signatures SQLite expects of an aggregate of two arguments.
    let rc = unsafe {
        ffi::sqlite3_create_function_v2(
            db,
            c"ticket_ids".as_ptr(),
            2,
            ffi::SQLITE_UTF8 | ffi::SQLITE_DETERMINISTIC,
            std::ptr::null_mut(),
            None,
            Some(step),
            Some(finish),
            None,
        )
    };
    if rc == ffi::SQLITE_OK {
        Ok(())
    } else {
        Err(sqlx::Error::Configuration(
            format!("registering ticket_ids failed with SQLite code {rc}").into(),
        ))
    }
}

/// The ids from a `ticket_ids` blob.
pub fn read_ids(blob: &[u8]) -> Vec<i64> {
    blob.chunks_exact(8)
        .map(|b| i64::from_le_bytes(b.try_into().unwrap_or_default()))
        .collect()
}

/// What one `ticket_ids` aggregate holds while rows come.
#[derive(Default)]
struct Ids {
    bytes: Vec<u8>,
    last: Option<i64>,
    rows: i64,
}

/// The aggregate's state: SQLite keeps a pointer-sized slot per group,
/// zeroed at first, which holds a boxed [`Ids`] from the first row on.
unsafe fn slot(ctx: *mut ffi::sqlite3_context, first: bool) -> *mut *mut Ids {
    let size = if first {
        std::mem::size_of::<*mut Ids>() as c_int
    } else {
        0
    };
    // SAFETY: called from SQLite's callbacks with their context.
    unsafe { ffi::sqlite3_aggregate_context(ctx, size) as *mut *mut Ids }
}

unsafe extern "C" fn step(
    ctx: *mut ffi::sqlite3_context,
    argc: c_int,
    argv: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: SQLite passes `argc` (2, as registered) valid values and a
    // context whose slot is ours alone; the box is freed in `finish`,
    // which SQLite calls once for every group that had a row, also when
    // the statement fails.
    unsafe {
        let slot = slot(ctx, true);
        if slot.is_null() || argc != 2 {
            ffi::sqlite3_result_error_nomem(ctx);
            return;
        }
        if (*slot).is_null() {
            *slot = Box::into_raw(Box::default());
        }
        let ids = &mut **slot;
        let args = std::slice::from_raw_parts(argv, 2);
        let rowid = ffi::sqlite3_value_int64(args[0]);
        let cap = ffi::sqlite3_value_int64(args[1]);
        ids.rows += 1;
        if ids.rows > cap {
            ffi::sqlite3_result_error(ctx, TOO_MANY.as_ptr().cast(), TOO_MANY.len() as c_int);
            return;
        }
        let id = rowid >> 32;
        if ids.last != Some(id) {
            ids.bytes.extend_from_slice(&id.to_le_bytes());
            ids.last = Some(id);
        }
    }
}

unsafe extern "C" fn finish(ctx: *mut ffi::sqlite3_context) {
    // SAFETY: the slot holds null (no row) or the box `step` made, taken
    // back here exactly once; SQLite copies the blob before we drop it.
    unsafe {
        let slot = slot(ctx, false);
        let ids = if slot.is_null() || (*slot).is_null() {
            Ids::default()
        } else {
            *Box::from_raw(std::mem::replace(&mut *slot, std::ptr::null_mut()))
        };
        ffi::sqlite3_result_blob64(
            ctx,
            ids.bytes.as_ptr() as *const c_void,
            ids.bytes.len() as u64,
            ffi::SQLITE_TRANSIENT(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::{TOO_MANY, read_ids};
    use crate::store::Store;

    async fn ids(store: &Store, rowids: &str, cap: i64) -> Result<Vec<i64>, String> {
        let sql = format!(
            "SELECT ticket_ids(r, {cap}) FROM (SELECT value AS r FROM json_each('[{rowids}]'))"
        );
        sqlx::query_scalar::<_, Vec<u8>>(&sql)
            .fetch_one(store.pool())
            .await
            .map(|blob| read_ids(&blob))
            .map_err(|e| e.to_string())
    }

    #[tokio::test]
    async fn ticket_ids_keeps_each_run_of_a_ticket_once_and_stops_past_its_cap() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("f.db").display());
        let store = Store::open(&url).await.unwrap();
        let t = |ticket: i64, n: i64| ((ticket << 32) + n).to_string();
        let rows = [
            t(3, 0),
            t(3, 7),
            t(5, 1),
            t(2_000_000_000, 4),
            t(2_000_000_000, 9),
        ];
        assert_eq!(
            ids(&store, &rows.join(","), 5).await,
            Ok(vec![3, 5, 2_000_000_000])
        );
        // Runs, not a set: the order given is kept.
        let back = [t(4, 1), t(3, 0), t(4, 2)];
        assert_eq!(ids(&store, &back.join(","), 5).await, Ok(vec![4, 3, 4]));
        assert_eq!(ids(&store, "", 5).await, Ok(vec![]));
        let over = ids(&store, &rows.join(","), 4).await.unwrap_err();
        assert!(over.contains(TOO_MANY), "{over}");
        // Every connection of the pool has it.
        let mut conns = Vec::new();
        for _ in 0..3 {
            conns.push(store.pool().acquire().await.unwrap());
        }
        for conn in &mut conns {
            let blob: Vec<u8> = sqlx::query_scalar("SELECT ticket_ids(1 << 32, 1)")
                .fetch_one(&mut **conn)
                .await
                .unwrap();
            assert_eq!(read_ids(&blob), vec![1]);
        }
    }
}
