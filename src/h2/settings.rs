//! SETTINGS parameters (RFC 9113 section 6.5.2, RFC 8441 section 3).

use super::{ErrorCode, H2Error};

pub const HEADER_TABLE_SIZE: u16 = 0x1;
pub const ENABLE_PUSH: u16 = 0x2;
pub const MAX_CONCURRENT_STREAMS: u16 = 0x3;
pub const INITIAL_WINDOW_SIZE: u16 = 0x4;
pub const MAX_FRAME_SIZE: u16 = 0x5;
pub const MAX_HEADER_LIST_SIZE: u16 = 0x6;
/// RFC 8441: the sender accepts extended CONNECT (`:protocol`), e.g. WebSockets over h2.
pub const ENABLE_CONNECT_PROTOCOL: u16 = 0x8;
/// RFC 9218: the sender ignores RFC 7540 priority signals.  Accepted, not acted on.
pub const NO_RFC7540_PRIORITIES: u16 = 0x9;

/// Initial and largest flow-control window (section 6.9.1).
pub const DEFAULT_WINDOW: u32 = 65_535;
pub const MAX_WINDOW: u32 = (1 << 31) - 1;
/// Smallest and largest SETTINGS_MAX_FRAME_SIZE (section 6.5.2).
pub const MIN_FRAME_SIZE: u32 = 16_384;
pub const MAX_FRAME_SIZE_LIMIT: u32 = (1 << 24) - 1;

/// One side's settings.  `Default` gives the values in force before any SETTINGS frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub header_table_size: u32,
    pub enable_push: bool,
    /// `None`: unlimited, the initial value.
    pub max_concurrent_streams: Option<u32>,
    pub initial_window_size: u32,
    pub max_frame_size: u32,
    /// `None`: unlimited, the initial value.
    pub max_header_list_size: Option<u32>,
    pub enable_connect_protocol: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            header_table_size: 4096,
            enable_push: true,
            max_concurrent_streams: None,
            initial_window_size: DEFAULT_WINDOW,
            max_frame_size: MIN_FRAME_SIZE,
            max_header_list_size: None,
            enable_connect_protocol: false,
        }
    }
}

/// The `(identifier, value)` pairs of a SETTINGS payload whose length is a multiple of 6
/// (the frame parser checks that).
pub fn params(payload: &[u8]) -> impl Iterator<Item = (u16, u32)> + '_ {
    payload.chunks_exact(6).map(|p| {
        (
            u16::from_be_bytes([p[0], p[1]]),
            u32::from_be_bytes([p[2], p[3], p[4], p[5]]),
        )
    })
}

impl Settings {
    /// Applies a SETTINGS payload in order, as section 6.5.3 requires.  Unknown
    /// identifiers are ignored (section 6.5.2).  On error nothing is applied.
    pub fn apply(&mut self, payload: &[u8]) -> Result<(), H2Error> {
        let mut next = *self;
        for (id, v) in params(payload) {
            match id {
                HEADER_TABLE_SIZE => next.header_table_size = v,
                ENABLE_PUSH => {
                    if v > 1 {
                        return Err(H2Error::conn(
                            ErrorCode::PROTOCOL_ERROR,
                            "SETTINGS_ENABLE_PUSH not 0 or 1",
                        ));
                    }
                    next.enable_push = v == 1;
                }
                MAX_CONCURRENT_STREAMS => next.max_concurrent_streams = Some(v),
                INITIAL_WINDOW_SIZE => {
                    if v > MAX_WINDOW {
                        return Err(H2Error::conn(
                            ErrorCode::FLOW_CONTROL_ERROR,
                            "SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1",
                        ));
                    }
                    next.initial_window_size = v;
                }
                MAX_FRAME_SIZE => {
                    if !(MIN_FRAME_SIZE..=MAX_FRAME_SIZE_LIMIT).contains(&v) {
                        return Err(H2Error::conn(
                            ErrorCode::PROTOCOL_ERROR,
                            "SETTINGS_MAX_FRAME_SIZE out of range",
                        ));
                    }
                    next.max_frame_size = v;
                }
                MAX_HEADER_LIST_SIZE => next.max_header_list_size = Some(v),
                ENABLE_CONNECT_PROTOCOL => {
                    if v > 1 {
                        return Err(H2Error::conn(
                            ErrorCode::PROTOCOL_ERROR,
                            "SETTINGS_ENABLE_CONNECT_PROTOCOL not 0 or 1",
                        ));
                    }
                    // RFC 8441 section 3: once enabled it may not be withdrawn.
                    if v == 0 && self.enable_connect_protocol {
                        return Err(H2Error::conn(
                            ErrorCode::PROTOCOL_ERROR,
                            "SETTINGS_ENABLE_CONNECT_PROTOCOL withdrawn",
                        ));
                    }
                    next.enable_connect_protocol = v == 1;
                }
                NO_RFC7540_PRIORITIES if v > 1 => {
                    return Err(H2Error::conn(
                        ErrorCode::PROTOCOL_ERROR,
                        "SETTINGS_NO_RFC7540_PRIORITIES not 0 or 1",
                    ));
                }
                _ => {}
            }
        }
        *self = next;
        Ok(())
    }

    /// The parameters that differ from the initial values, as `(id, value)` pairs; what
    /// a SETTINGS frame announcing `self` needs to carry.
    pub fn diff_from_default(&self) -> Vec<(u16, u32)> {
        let d = Settings::default();
        let mut v = Vec::new();
        if self.header_table_size != d.header_table_size {
            v.push((HEADER_TABLE_SIZE, self.header_table_size));
        }
        if self.enable_push != d.enable_push {
            v.push((ENABLE_PUSH, self.enable_push as u32));
        }
        if let Some(n) = self.max_concurrent_streams {
            v.push((MAX_CONCURRENT_STREAMS, n));
        }
        if self.initial_window_size != d.initial_window_size {
            v.push((INITIAL_WINDOW_SIZE, self.initial_window_size));
        }
        if self.max_frame_size != d.max_frame_size {
            v.push((MAX_FRAME_SIZE, self.max_frame_size));
        }
        if let Some(n) = self.max_header_list_size {
            v.push((MAX_HEADER_LIST_SIZE, n));
        }
        if self.enable_connect_protocol {
            v.push((ENABLE_CONNECT_PROTOCOL, 1));
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(p: &[(u16, u32)]) -> Vec<u8> {
        let mut v = Vec::new();
        for &(id, val) in p {
            v.extend_from_slice(&id.to_be_bytes());
            v.extend_from_slice(&val.to_be_bytes());
        }
        v
    }

    #[test]
    fn applies_known_ignores_unknown() {
        let mut s = Settings::default();
        s.apply(&payload(&[
            (HEADER_TABLE_SIZE, 100),
            (ENABLE_PUSH, 0),
            (MAX_CONCURRENT_STREAMS, 7),
            (INITIAL_WINDOW_SIZE, 1),
            (MAX_FRAME_SIZE, 20000),
            (MAX_HEADER_LIST_SIZE, 999),
            (ENABLE_CONNECT_PROTOCOL, 1),
            (NO_RFC7540_PRIORITIES, 1),
            (0x4242, 0xffff_ffff),
        ]))
        .unwrap();
        assert_eq!(
            s,
            Settings {
                header_table_size: 100,
                enable_push: false,
                max_concurrent_streams: Some(7),
                initial_window_size: 1,
                max_frame_size: 20000,
                max_header_list_size: Some(999),
                enable_connect_protocol: true,
            }
        );
        let mut again = Settings::default();
        again.apply(&payload(&s.diff_from_default())).unwrap();
        assert_eq!(again, s);
    }

    #[test]
    fn rejects_bad_values_atomically() {
        let cases: [(u16, u32, ErrorCode); 6] = [
            (ENABLE_PUSH, 2, ErrorCode::PROTOCOL_ERROR),
            (
                INITIAL_WINDOW_SIZE,
                MAX_WINDOW + 1,
                ErrorCode::FLOW_CONTROL_ERROR,
            ),
            (
                MAX_FRAME_SIZE,
                MIN_FRAME_SIZE - 1,
                ErrorCode::PROTOCOL_ERROR,
            ),
            (
                MAX_FRAME_SIZE,
                MAX_FRAME_SIZE_LIMIT + 1,
                ErrorCode::PROTOCOL_ERROR,
            ),
            (ENABLE_CONNECT_PROTOCOL, 2, ErrorCode::PROTOCOL_ERROR),
            (NO_RFC7540_PRIORITIES, 5, ErrorCode::PROTOCOL_ERROR),
        ];
        for (id, v, code) in cases {
            let mut s = Settings::default();
            let e = s
                .apply(&payload(&[(HEADER_TABLE_SIZE, 1), (id, v)]))
                .unwrap_err();
            assert_eq!(e.code(), code, "id {id} value {v}");
            assert_eq!(s, Settings::default(), "nothing applied on error");
        }
        // Boundaries that are fine.
        let mut s = Settings::default();
        s.apply(&payload(&[
            (INITIAL_WINDOW_SIZE, MAX_WINDOW),
            (MAX_FRAME_SIZE, MAX_FRAME_SIZE_LIMIT),
        ]))
        .unwrap();
        // Enabling extended CONNECT is one way.
        s.apply(&payload(&[(ENABLE_CONNECT_PROTOCOL, 1)])).unwrap();
        assert!(s.apply(&payload(&[(ENABLE_CONNECT_PROTOCOL, 0)])).is_err());
    }
}
