//! lws's backoff tables (lws-retry.h), as pure arithmetic.
use crate::abi::lws_retry_bo_t;

/// Returns (delay in ms, conceal) for try `*ctry` and counts the try.  `rand` is 16
/// random bits for the jitter.  Without a table: 3 s; jitter 30% unless the table says.
pub fn delay(retry: Option<&lws_retry_bo_t>, ctry: &mut u16, rand: u16) -> (u32, bool) {
    let mut ms: u64 = 3000;
    let mut pc: u64 = 30;
    if let Some(r) = retry {
        if r.retry_ms_table_count > 0 && !r.retry_ms_table.is_null() {
            let i = (*ctry).min(r.retry_ms_table_count - 1) as usize;
            // SAFETY: lws's contract: the table has retry_ms_table_count entries.
            ms = unsafe { *r.retry_ms_table.add(i) } as u64;
        }
        if r.jitter_percent > 0 {
            pc = r.jitter_percent as u64;
        }
    }
    ms += ((ms * pc * rand as u64) >> 16) / 100;
    *ctry = ctry.saturating_add(1);
    let conceal = retry.is_some_and(|r| *ctry <= r.conceal_count);
    (ms.min(u32::MAX as u64) as u32, conceal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_walk_jitter_and_conceal() {
        let table = [100u32, 200, 400];
        let r = lws_retry_bo_t {
            retry_ms_table: table.as_ptr(),
            retry_ms_table_count: 3,
            conceal_count: 4,
            secs_since_valid_ping: 0,
            secs_since_valid_hangup: 0,
            jitter_percent: 20,
        };
        let mut t = 0u16;
        assert_eq!(delay(Some(&r), &mut t, 0), (100, true));
        assert_eq!(delay(Some(&r), &mut t, 0), (200, true));
        assert_eq!(delay(Some(&r), &mut t, 0), (400, true));
        assert_eq!(delay(Some(&r), &mut t, 0), (400, true));
        assert_eq!(delay(Some(&r), &mut t, 0), (400, false));
        assert_eq!(t, 5);
        // full jitter: +20% (almost)
        let mut t = 2u16;
        let (ms, _) = delay(Some(&r), &mut t, 0xffff);
        assert!((479..=480).contains(&ms), "{ms}");
        // no table: 3 s + up to 30%, never concealed
        let mut t = 0u16;
        assert_eq!(delay(None, &mut t, 0), (3000, false));
        let (ms, _) = delay(None, &mut t, 0xffff);
        assert!((3899..=3900).contains(&ms), "{ms}");
    }
}
