//! The option-string parser behind `lws_ext_parse_options`: lws feeds it an extension's
//! parameters (`"server_no_context_takeover; client_max_window_bits=10"`), and it reports
//! each recognised option to a sink, the way lws's parser does, quirks included, since C
//! extension callbacks see exactly what it reports:
//!
//! - names match an option table entry by prefix, the first entry whose whole name has
//!   been read wins (so an entry that is a prefix of another shadows it);
//! - a name cut off by the end of the input is dropped without an error;
//! - `,` ends the parse (only the first offer of a list is read), and an option whose
//!   value was not reached by then is not reported;
//! - values are decimal digits, optionally in double quotes; `EXTARG_DEC` options need
//!   one, `EXTARG_NONE` options refuse one;
//! - when the input ends right after a value, the reported length counts one byte more
//!   than the digits if that last byte is not a digit (lws measures to the end).

/// An option takes no value.
pub const EXTARG_NONE: i32 = 0;
/// An option needs a decimal value.
pub const EXTARG_DEC: i32 = 1;
/// An option may have a decimal value.
pub const EXTARG_OPT_DEC: i32 = 2;

/// The parse failed where lws's parser fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseError;

/// One option the parser recognised: its index in the table, and where its value is in
/// the input (offset, length), if it had one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionHit {
    pub index: usize,
    pub value: Option<(usize, usize)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    SeekName,
    EatName,
    SeekValue,
    EatDigits,
    SeekTerminator,
}

/// Parses `input` against `table` (each entry: name, `EXTARG_*` type), calling `sink` for
/// every option set.  `Err` where lws's parser fails (unknown name, a value where none
/// is allowed, a missing required value, junk after a value).
pub fn parse(
    input: &[u8],
    table: &[(&[u8], i32)],
    mut sink: impl FnMut(OptionHit),
) -> Result<(), ParseError> {
    if table.len() > 64 {
        return Err(ParseError);
    }
    let all: u64 = if table.len() == 64 {
        u64::MAX
    } else {
        (1u64 << table.len()) - 1
    };
    let mut state = State::SeekName;
    let mut candidates = 0u64;
    let mut w = 0usize; // chars of the name matched so far / digits seen
    let mut index = 0usize;
    let mut value_start: Option<usize> = None;
    let mut quoted = false;
    let mut i = 0usize;
    while i < input.len() {
        let c = input[i];
        let last = i + 1 == input.len();
        // Each arm either consumes `c` (falls to i += 1), stops the parse, or hands `c`
        // on to a later state in the same step.
        let mut st = state;
        loop {
            match st {
                State::SeekName => {
                    if c == b' ' {
                        break;
                    }
                    if c == b',' {
                        return Ok(());
                    }
                    candidates = all;
                    w = 0;
                    state = State::EatName;
                    st = State::EatName;
                    continue;
                }
                State::EatName => {
                    value_start = None;
                    quoted = false;
                    let mut report = false;
                    for (n, (name, _)) in table.iter().enumerate() {
                        if candidates & (1u64 << n) == 0 {
                            continue;
                        }
                        if name.get(w) == Some(&c) {
                            if name.len() == w + 1 {
                                index = n;
                                state = State::SeekValue;
                                report = last;
                                break;
                            }
                        } else {
                            candidates &= !(1u64 << n);
                            if candidates == 0 {
                                return Err(ParseError);
                            }
                        }
                    }
                    w += 1;
                    if report {
                        sink(OptionHit { index, value: None });
                        return Ok(());
                    }
                    break;
                }
                State::SeekValue => {
                    if c == b' ' {
                        break;
                    }
                    if c == b',' {
                        return Ok(());
                    }
                    if c == b';' || last {
                        if table[index].1 == EXTARG_DEC {
                            return Err(ParseError);
                        }
                        state = State::SeekName;
                        sink(OptionHit { index, value: None });
                        if last {
                            return Ok(());
                        }
                        st = State::SeekTerminator;
                        continue;
                    }
                    if c == b'=' {
                        if table[index].1 == EXTARG_NONE {
                            return Err(ParseError);
                        }
                        w = 0;
                        quoted = false;
                        state = State::EatDigits;
                        break;
                    }
                    return Err(ParseError);
                }
                State::EatDigits => {
                    if c.is_ascii_digit() {
                        if w == 0 {
                            value_start = Some(i);
                        }
                        w += 1;
                        if !last {
                            break;
                        }
                    }
                    if w == 0 && c == b'"' {
                        quoted = true;
                        break;
                    }
                    if w == 0 {
                        return Err(ParseError);
                    }
                    if quoted && c != b'"' && !last {
                        return Err(ParseError);
                    }
                    state = State::SeekTerminator;
                    let value = value_start.map(|s| (s, i - s + usize::from(last)));
                    sink(OptionHit { index, value });
                    if last || (quoted && c == b'"') {
                        break;
                    }
                    st = State::SeekTerminator;
                    continue;
                }
                State::SeekTerminator => {
                    if c == b' ' {
                        break;
                    }
                    if c == b';' {
                        state = State::SeekName;
                        break;
                    }
                    if c == b',' {
                        return Ok(());
                    }
                    return Err(ParseError);
                }
            }
        }
        i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PMD: &[(&[u8], i32)] = &[
        (b"server_no_context_takeover", EXTARG_NONE),
        (b"client_no_context_takeover", EXTARG_NONE),
        (b"server_max_window_bits", EXTARG_OPT_DEC),
        (b"client_max_window_bits", EXTARG_OPT_DEC),
        (b"rx_buf_size", EXTARG_DEC),
        (b"tx_buf_size", EXTARG_DEC),
        (b"compression_level", EXTARG_DEC),
        (b"mem_level", EXTARG_DEC),
    ];

    fn run(s: &str) -> Result<Vec<(usize, Option<String>)>, ParseError> {
        let mut v = Vec::new();
        parse(s.as_bytes(), PMD, |h| {
            v.push((h.index, h.value.map(|(o, l)| s[o..o + l].to_string())))
        })?;
        Ok(v)
    }

    #[test]
    fn plain_options() {
        assert_eq!(
            run("server_no_context_takeover; client_max_window_bits=10"),
            Ok(vec![(0, None), (3, Some("10".into()))])
        );
        assert_eq!(run("client_max_window_bits"), Ok(vec![(3, None)]));
        assert_eq!(
            run("client_max_window_bits; mem_level=9"),
            Ok(vec![(3, None), (7, Some("9".into()))])
        );
        assert_eq!(
            run("  rx_buf_size=12 ;tx_buf_size=11"),
            Ok(vec![(4, Some("12".into())), (5, Some("11".into()))])
        );
    }

    #[test]
    fn quoted_values() {
        // At the very end, the closing quote is counted in the length (lws's quirk).
        assert_eq!(
            run("server_max_window_bits=\"12\""),
            Ok(vec![(2, Some("12\"".into()))])
        );
        assert_eq!(
            run("server_max_window_bits=\"12\"; client_no_context_takeover"),
            Ok(vec![(2, Some("12".into())), (1, None)])
        );
        // A quote opened but not closed before other text.
        assert_eq!(
            run("server_max_window_bits=\"12x; mem_level=1"),
            Err(ParseError)
        );
    }

    #[test]
    fn failures() {
        assert_eq!(run("bogus"), Err(ParseError));
        assert_eq!(run("server_no_context_takeover=1"), Err(ParseError));
        assert_eq!(run("rx_buf_size;"), Err(ParseError));
        assert_eq!(run("mem_level=x"), Err(ParseError));
        assert_eq!(run("mem_level=9x;"), Err(ParseError));
        assert_eq!(run("mem_level=9 x"), Err(ParseError));
        assert_eq!(run("server_no_context_takeoverx;"), Err(ParseError));
        // ...but at the very end any byte after a whole name ends it.
        assert_eq!(run("server_no_context_takeoverx"), Ok(vec![(0, None)]));
        assert_eq!(run("server;"), Err(ParseError));
    }

    #[test]
    fn lws_quirks() {
        // A name cut off by the end of the input is dropped silently.
        assert_eq!(run("server_no"), Ok(vec![]));
        // A name ending the input is set without a value, even one that needs a value.
        assert_eq!(run("rx_buf_size"), Ok(vec![(4, None)]));
        // A comma ends the parse; an option not yet reported is lost.
        assert_eq!(
            run("client_no_context_takeover, server_no_context_takeover"),
            Ok(vec![])
        );
        assert_eq!(run("client_no_context_takeover; x, y"), Err(ParseError));
        assert_eq!(run("mem_level=3, bogus"), Ok(vec![(7, Some("3".into()))]));
        // A trailing non-digit after the value at the very end is counted in the length.
        assert_eq!(run("mem_level=3;"), Ok(vec![(7, Some("3;".into()))]));
        assert_eq!(run("mem_level=9x"), Ok(vec![(7, Some("9x".into()))]));
        assert_eq!(run(""), Ok(vec![]));
    }
}
