//! loadgen: a WebSocket (RFC 6455) client load generator for bench/run.py.
//!
//! One process, one thread, a mio (epoll, edge-triggered) loop over non-blocking sockets.
//!
//! ```text
//! loadgen echo       --port P [--conns N] [--size S] [--window W] [--warmup s] [--duration s]
//!                    [--count M] [--verify-every K] [--pid SERVER_PID]
//! loadgen handshakes --port P [--conns C] [--warmup s] [--duration s]
//! loadgen idle       --port P --pid SERVER_PID [--conns N] [--settle s]
//! ```
//!
//! echo: N connections each keep W messages of S bytes in flight (binary frames, masked with
//! a fresh random key per frame). The payload is streamed from a pattern (nothing bigger than
//! 64 KiB is held per connection), so 16 MiB messages cost no memory. Echoed messages may come
//! back fragmented (lws echoes chunk by chunk); a message is done at its FIN frame. Every
//! K-th message (K = --verify-every, 1 = all) has its echoed bytes compared with what was
//! sent; every message has its length checked. With --count M each connection sends exactly
//! M messages, then closes with a close handshake (no warm-up/duration), for fixed workloads.
//!
//! The result is one JSON object on stdout; progress and errors go to stderr. The exit status
//! is 1 if anything went wrong (a connection failed or closed early, a payload differed, ...).

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};
use sha1::{Digest, Sha1};
use std::collections::VecDeque;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::{Duration, Instant};

const PAT_LEN: usize = 1 << 20; // pattern the payloads are cut from (power of two)
const OUT_CHUNK: usize = 64 * 1024; // bytes generated per connection at a time
const RBUF: usize = 256 * 1024; // the one read buffer, shared by all connections
const MAX_CONNECTING: usize = 128; // connects + upgrades in progress at once
const GUID: &str = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

#[derive(Clone, Copy, PartialEq, Debug)]
enum Mode {
    Echo,
    Handshakes,
    Idle,
}

struct Cfg {
    mode: Mode,
    addr: SocketAddr,
    host: String,
    conns: usize,
    size: usize,
    window: u64,
    warmup: f64,
    duration: f64,
    count: Option<u64>,
    verify_every: u64,
    pid: Option<u32>,
    settle: f64,
    timeout: f64,
}

fn usage() -> ! {
    eprintln!(
        "usage: loadgen echo|handshakes|idle --port P [--host H] [--conns N] [--size S[k|m]] \
         [--window W] [--warmup s] [--duration s] [--count M] [--verify-every K] [--pid PID] \
         [--settle s] [--timeout s]"
    );
    std::process::exit(2)
}

fn parse_size(s: &str) -> usize {
    let s = s.trim();
    let (num, mul) = match s.chars().last() {
        Some('k') | Some('K') => (&s[..s.len() - 1], 1024),
        Some('m') | Some('M') => (&s[..s.len() - 1], 1024 * 1024),
        _ => (s, 1),
    };
    num.parse::<usize>().unwrap_or_else(|_| usage()) * mul
}

fn parse_args() -> Cfg {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        usage()
    }
    let mode = match args[0].as_str() {
        "echo" => Mode::Echo,
        "handshakes" => Mode::Handshakes,
        "idle" => Mode::Idle,
        _ => usage(),
    };
    let mut host = "127.0.0.1".to_string();
    let mut port: Option<u16> = None;
    let mut cfg = Cfg {
        mode,
        addr: "127.0.0.1:1".parse().unwrap(),
        host: String::new(),
        conns: match mode {
            Mode::Echo => 1,
            Mode::Handshakes => 32,
            Mode::Idle => 10_000,
        },
        size: 512,
        window: 1,
        warmup: 0.5,
        duration: 2.0,
        count: None,
        verify_every: 16,
        pid: None,
        settle: 1.0,
        timeout: 120.0,
    };
    let mut i = 1;
    while i < args.len() {
        let v = args.get(i + 1).cloned().unwrap_or_else(|| usage());
        match args[i].as_str() {
            "--host" => host = v,
            "--port" => port = Some(v.parse().unwrap_or_else(|_| usage())),
            "--conns" => cfg.conns = v.parse().unwrap_or_else(|_| usage()),
            "--size" => cfg.size = parse_size(&v),
            "--window" => cfg.window = v.parse().unwrap_or_else(|_| usage()),
            "--warmup" => cfg.warmup = v.parse().unwrap_or_else(|_| usage()),
            "--duration" => cfg.duration = v.parse().unwrap_or_else(|_| usage()),
            "--count" => cfg.count = Some(v.parse().unwrap_or_else(|_| usage())),
            "--verify-every" => cfg.verify_every = v.parse::<u64>().unwrap_or_else(|_| usage()).max(1),
            "--pid" => cfg.pid = Some(v.parse().unwrap_or_else(|_| usage())),
            "--settle" => cfg.settle = v.parse().unwrap_or_else(|_| usage()),
            "--timeout" => cfg.timeout = v.parse().unwrap_or_else(|_| usage()),
            _ => usage(),
        }
        i += 2;
    }
    let port = port.unwrap_or_else(|| usage());
    cfg.addr = (host.as_str(), port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .unwrap_or_else(|| {
            eprintln!("loadgen: cannot resolve {host}");
            std::process::exit(2)
        });
    cfg.host = format!("{host}:{port}");
    if cfg.window == 0 || cfg.conns == 0 {
        usage()
    }
    if cfg.mode == Mode::Idle && cfg.pid.is_none() {
        eprintln!("loadgen: idle needs --pid SERVER_PID");
        std::process::exit(2)
    }
    cfg
}

// ---------------------------------------------------------------------------------------------
// Small helpers

/// xorshift64*: mask keys and handshake keys (a fresh key per frame; no secrecy needed).
struct Rng(u64);
impl Rng {
    fn seeded() -> Rng {
        let mut seed = [0u8; 8];
        if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
            let _ = f.read_exact(&mut seed);
        }
        let t = Instant::now().elapsed().as_nanos() as u64;
        Rng(u64::from_ne_bytes(seed) ^ t ^ 0x9E37_79B9_7F4A_7C15 | 1)
    }
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn mask(&mut self) -> [u8; 4] {
        (self.next() as u32).to_ne_bytes()
    }
}

/// dst[i] = src[i] ^ mask[(phase + i) % 4], eight bytes at a time.
fn mask_copy(dst: &mut [u8], src: &[u8], mask: [u8; 4], phase: usize) {
    debug_assert_eq!(dst.len(), src.len());
    let rot = [mask[phase & 3], mask[(phase + 1) & 3], mask[(phase + 2) & 3], mask[(phase + 3) & 3]];
    let m32 = u32::from_ne_bytes(rot) as u64;
    let m64 = m32 | (m32 << 32);
    let mut d = dst.chunks_exact_mut(8);
    let mut s = src.chunks_exact(8);
    for (d8, s8) in (&mut d).zip(&mut s) {
        let v = u64::from_ne_bytes(s8.try_into().unwrap()) ^ m64;
        d8.copy_from_slice(&v.to_ne_bytes());
    }
    for (i, (db, sb)) in d.into_remainder().iter_mut().zip(s.remainder()).enumerate() {
        *db = sb ^ rot[i & 3];
    }
}

fn accept_key(key: &str) -> String {
    use base64::Engine;
    let mut h = Sha1::new();
    h.update(key.as_bytes());
    h.update(GUID.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(h.finalize())
}

fn clk_tck() -> f64 {
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 {
        t as f64
    } else {
        100.0
    }
}

/// Server CPU time (utime + stime) in seconds, from /proc/PID/stat.
fn proc_cpu(pid: u32) -> Option<f64> {
    proc_cpu_split(pid).map(|(u, s)| u + s)
}

/// Server CPU time in seconds as (user, kernel), from /proc/PID/stat: where the kernel's
/// share dominates (large messages: the copies in and out of the socket), no user-space
/// change can move the total much.
fn proc_cpu_split(pid: u32) -> Option<(f64, f64)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &s[s.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // rest starts at field 3 (state); utime is field 14, stime field 15.
    let ut: f64 = f.get(11)?.parse().ok()?;
    let st: f64 = f.get(12)?.parse().ok()?;
    Some((ut / clk_tck(), st / clk_tck()))
}

/// VmRSS of a process, in KiB.
fn proc_rss_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    for l in s.lines() {
        if let Some(v) = l.strip_prefix("VmRSS:") {
            return v.trim().trim_end_matches("kB").trim().parse().ok();
        }
    }
    None
}

fn self_cpu() -> f64 {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

fn raise_nofile() -> u64 {
    let mut rl = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    unsafe {
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl);
        rl.rlim_cur = rl.rlim_max;
        libc::setrlimit(libc::RLIMIT_NOFILE, &rl);
        libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl);
    }
    rl.rlim_cur as u64
}

fn pct(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

// ---------------------------------------------------------------------------------------------
// Shared state

#[derive(Default)]
struct Stats {
    measuring: bool,
    msgs: u64,       // messages echoed completely inside the window
    bytes: u64,      // echoed payload bytes received inside the window
    sent_bytes: u64, // payload bytes generated (sent) inside the window
    lat_ns: Vec<u64>,
    total_msgs: u64,
    verified: u64,
    mismatches: u64,
    bad_len: u64,
    handshakes: u64, // completed upgrades inside the window
    total_handshakes: u64,
    closes: u64, // completed close handshakes
    errors: u64,
    first_errors: Vec<String>,
}

impl Stats {
    fn error(&mut self, what: String) {
        self.errors += 1;
        if self.first_errors.len() < 8 {
            eprintln!("loadgen: {what}");
            self.first_errors.push(what);
        }
    }
}

struct Shared {
    cfg: Cfg,
    pat: Vec<u8>,
    rng: Rng,
    stats: Stats,
    rbuf: Vec<u8>,
    /// New messages may be started (false once the window is over).
    sending: bool,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum St {
    Connecting,
    Upgrading,
    Open,
    Closing,
    Done,
}

struct Conn {
    sock: TcpStream,
    num: u64, // connection number, seeds the payload pattern offsets
    st: St,
    accept: String,
    hs: Vec<u8>,
    out: Vec<u8>,
    out_pos: usize,
    // the message being generated
    tx_left: usize,
    tx_off: usize,
    tx_base: usize,
    tx_mask: [u8; 4],
    queued: u64,
    next_seq: u64,
    // the frame being received
    hdr: [u8; 14],
    hdr_len: usize,
    in_payload: bool,
    pay_left: u64,
    f_op: u8,
    f_fin: bool,
    in_msg: bool,
    msg_bytes: u64,
    inflight: VecDeque<(u64, Instant)>,
    echoed: u64,
    close_sent: bool,
    close_rcvd: bool,
    last_rx: Instant,
}

fn pat_base(num: u64, seq: u64) -> usize {
    (num.wrapping_mul(0x9E37_79B1).wrapping_add(seq.wrapping_mul(0x0001_0003 * 61)) as usize) & (PAT_LEN - 1)
}

impl Conn {
    fn new(sock: TcpStream, num: u64) -> Conn {
        Conn {
            sock,
            num,
            st: St::Connecting,
            accept: String::new(),
            hs: Vec::new(),
            out: Vec::new(),
            out_pos: 0,
            tx_left: 0,
            tx_off: 0,
            tx_base: 0,
            tx_mask: [0; 4],
            queued: 0,
            next_seq: 0,
            hdr: [0; 14],
            hdr_len: 0,
            in_payload: false,
            pay_left: 0,
            f_op: 0,
            f_fin: false,
            in_msg: false,
            msg_bytes: 0,
            inflight: VecDeque::new(),
            echoed: 0,
            close_sent: false,
            close_rcvd: false,
            last_rx: Instant::now(),
        }
    }

    fn fail(&mut self, sh: &mut Shared, why: &str) {
        sh.stats.error(format!("connection {} ({:?}): {why}", self.num, self.st));
        self.st = St::Done;
    }

    /// The connect finished (or failed): send the upgrade request.
    fn on_connected(&mut self, sh: &mut Shared, writable: bool) {
        if let Ok(Some(e)) | Err(e) = self.sock.take_error() {
            return self.fail(sh, &format!("connect: {e}"));
        }
        if !writable {
            return; // still connecting: EPOLLOUT (with SO_ERROR 0) says it is done
        }
        if sh.cfg.mode == Mode::Echo {
            let _ = self.sock.set_nodelay(true);
        }
        let mut k = [0u8; 16];
        k[..8].copy_from_slice(&sh.rng.next().to_ne_bytes());
        k[8..].copy_from_slice(&sh.rng.next().to_ne_bytes());
        use base64::Engine;
        let key = base64::engine::general_purpose::STANDARD.encode(k);
        self.accept = accept_key(&key);
        let req = format!(
            "GET / HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\
             Sec-WebSocket-Protocol: lws-echo\r\n\r\n",
            sh.cfg.host
        );
        self.out.extend_from_slice(req.as_bytes());
        self.st = St::Upgrading;
    }

    /// Bytes of the 101 response; returns true once the upgrade completed.
    fn on_handshake_bytes(&mut self, sh: &mut Shared, data: &[u8]) -> bool {
        self.hs.extend_from_slice(data);
        let end = match self.hs.windows(4).position(|w| w == b"\r\n\r\n") {
            Some(e) => e + 4,
            None => {
                if self.hs.len() > 8192 {
                    self.fail(sh, "response head too long");
                }
                return false;
            }
        };
        let head = String::from_utf8_lossy(&self.hs[..end]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines.next().unwrap_or("");
        if !status.starts_with("HTTP/1.1 101") {
            self.fail(sh, &format!("upgrade refused: {status:?}"));
            return false;
        }
        let (mut acc_ok, mut proto_ok) = (false, false);
        for l in lines {
            if let Some((n, v)) = l.split_once(':') {
                let (n, v) = (n.trim().to_ascii_lowercase(), v.trim());
                if n == "sec-websocket-accept" {
                    acc_ok = v == self.accept;
                } else if n == "sec-websocket-protocol" {
                    proto_ok = v == "lws-echo";
                }
            }
        }
        if !acc_ok {
            self.fail(sh, "bad or missing Sec-WebSocket-Accept");
            return false;
        }
        if !proto_ok {
            self.fail(sh, "server did not select subprotocol lws-echo");
            return false;
        }
        let rest = self.hs.split_off(end);
        self.hs = Vec::new();
        self.st = St::Open;
        self.last_rx = Instant::now();
        sh.stats.total_handshakes += 1;
        if sh.stats.measuring {
            sh.stats.handshakes += 1;
        }
        if !rest.is_empty() {
            self.on_ws_bytes(sh, &rest);
        }
        true
    }

    /// Queue a masked close frame (1000).
    fn send_close(&mut self, sh: &mut Shared) {
        if self.close_sent {
            return;
        }
        let mask = sh.rng.mask();
        let mut f = [0x88u8, 0x80 | 2, mask[0], mask[1], mask[2], mask[3], 0, 0];
        mask_copy(&mut f[6..8], &1000u16.to_be_bytes(), mask, 0);
        self.out.extend_from_slice(&f);
        self.close_sent = true;
        self.st = St::Closing;
    }

    /// Generate up to OUT_CHUNK more bytes of outgoing frames.
    fn generate(&mut self, sh: &mut Shared) {
        while self.out.len() < OUT_CHUNK && self.st == St::Open {
            if self.tx_left == 0 {
                if self.queued == 0 {
                    break;
                }
                self.queued -= 1;
                let seq = self.next_seq;
                self.next_seq += 1;
                self.inflight.push_back((seq, Instant::now()));
                let n = sh.cfg.size;
                self.tx_mask = sh.rng.mask();
                self.tx_left = n;
                self.tx_off = 0;
                self.tx_base = pat_base(self.num, seq);
                self.out.push(0x82); // FIN, binary
                if n < 126 {
                    self.out.push(0x80 | n as u8);
                } else if n < 65536 {
                    self.out.push(0x80 | 126);
                    self.out.extend_from_slice(&(n as u16).to_be_bytes());
                } else {
                    self.out.push(0x80 | 127);
                    self.out.extend_from_slice(&(n as u64).to_be_bytes());
                }
                self.out.extend_from_slice(&self.tx_mask);
            }
            let room = OUT_CHUNK.saturating_sub(self.out.len()).max(64);
            let mut n = self.tx_left.min(room);
            let p = (self.tx_base + self.tx_off) & (PAT_LEN - 1);
            n = n.min(PAT_LEN - p); // no wrap inside one copy
            let o = self.out.len();
            self.out.resize(o + n, 0);
            mask_copy(&mut self.out[o..], &sh.pat[p..p + n], self.tx_mask, self.tx_off);
            self.tx_off += n;
            self.tx_left -= n;
            if sh.stats.measuring {
                sh.stats.sent_bytes += n as u64;
            }
        }
    }

    /// Write what is pending (and generate more while the socket takes it).
    fn flush(&mut self, sh: &mut Shared) {
        loop {
            if self.out_pos == self.out.len() {
                self.out.clear();
                self.out_pos = 0;
                self.generate(sh);
                if self.out.is_empty() {
                    return;
                }
            }
            match self.sock.write(&self.out[self.out_pos..]) {
                Ok(n) => {
                    self.out_pos += n;
                    if self.out_pos < self.out.len() {
                        return; // socket full: wait for WRITABLE
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return self.fail(sh, &format!("write: {e}")),
            }
        }
    }

    /// Frames from the server.
    fn on_ws_bytes(&mut self, sh: &mut Shared, data: &[u8]) {
        self.last_rx = Instant::now();
        let mut p = 0;
        while p < data.len() && self.st != St::Done {
            if !self.in_payload {
                // Collect a frame header: 2 bytes, then the extended length (and a mask key,
                // which a server must not send).
                if self.hdr_len < 2 {
                    let k = (2 - self.hdr_len).min(data.len() - p);
                    self.hdr[self.hdr_len..self.hdr_len + k].copy_from_slice(&data[p..p + k]);
                    self.hdr_len += k;
                    p += k;
                    if self.hdr_len < 2 {
                        break;
                    }
                }
                let b1 = self.hdr[1];
                let need = 2
                    + match b1 & 0x7f {
                        126 => 2,
                        127 => 8,
                        _ => 0,
                    }
                    + if b1 & 0x80 != 0 { 4 } else { 0 };
                if self.hdr_len < need {
                    let k = (need - self.hdr_len).min(data.len() - p);
                    self.hdr[self.hdr_len..self.hdr_len + k].copy_from_slice(&data[p..p + k]);
                    self.hdr_len += k;
                    p += k;
                    if self.hdr_len < need {
                        break;
                    }
                }
                let b0 = self.hdr[0];
                if b1 & 0x80 != 0 {
                    return self.fail(sh, "server frame is masked");
                }
                if b0 & 0x70 != 0 {
                    return self.fail(sh, "RSV bits set");
                }
                let len = match b1 & 0x7f {
                    126 => u16::from_be_bytes([self.hdr[2], self.hdr[3]]) as u64,
                    127 => u64::from_be_bytes(self.hdr[2..10].try_into().unwrap()),
                    l => l as u64,
                };
                self.hdr_len = 0;
                self.f_op = b0 & 0x0f;
                self.f_fin = b0 & 0x80 != 0;
                self.pay_left = len;
                self.in_payload = true;
                match self.f_op {
                    0 => {
                        if !self.in_msg {
                            return self.fail(sh, "continuation frame outside a message");
                        }
                    }
                    1 | 2 => {
                        if self.in_msg {
                            return self.fail(sh, "new message inside a fragmented one");
                        }
                        if self.inflight.is_empty() {
                            return self.fail(sh, "echo of a message never sent");
                        }
                        self.in_msg = true;
                        self.msg_bytes = 0;
                    }
                    8..=10 => {
                        if len > 125 || !self.f_fin {
                            return self.fail(sh, "bad control frame");
                        }
                    }
                    op => return self.fail(sh, &format!("reserved opcode {op}")),
                }
                if len == 0 {
                    self.frame_done(sh);
                }
                continue;
            }
            let n = (self.pay_left.min((data.len() - p) as u64)) as usize;
            if self.f_op < 8 {
                let chunk = &data[p..p + n];
                let (seq, _) = self.inflight[0];
                if seq % sh.cfg.verify_every == 0 && self.msg_bytes + n as u64 <= sh.cfg.size as u64 {
                    let mut q = (pat_base(self.num, seq) + self.msg_bytes as usize) & (PAT_LEN - 1);
                    let mut c = chunk;
                    while !c.is_empty() {
                        let k = c.len().min(PAT_LEN - q);
                        if c[..k] != sh.pat[q..q + k] {
                            sh.stats.mismatches += 1;
                            let m = format!("payload mismatch in message {seq} near byte {}", self.msg_bytes);
                            sh.stats.error(m);
                            break;
                        }
                        c = &c[k..];
                        q = 0;
                    }
                }
                self.msg_bytes += n as u64;
                if sh.stats.measuring {
                    sh.stats.bytes += n as u64;
                }
            }
            self.pay_left -= n as u64;
            p += n;
            if self.pay_left == 0 {
                self.frame_done(sh);
            }
        }
    }

    fn frame_done(&mut self, sh: &mut Shared) {
        self.in_payload = false;
        match self.f_op {
            8 => {
                self.close_rcvd = true;
                if !self.close_sent {
                    self.fail(sh, "server closed the connection");
                }
            }
            9 | 10 => {} // ping/pong: the echo server sends none; ignore
            _ => {
                if !self.f_fin {
                    return;
                }
                self.in_msg = false;
                let (seq, t0) = self.inflight.pop_front().unwrap();
                if self.msg_bytes != sh.cfg.size as u64 {
                    sh.stats.bad_len += 1;
                    let m = format!("message {seq}: echoed {} bytes, sent {}", self.msg_bytes, sh.cfg.size);
                    sh.stats.error(m);
                } else if seq % sh.cfg.verify_every == 0 {
                    sh.stats.verified += 1;
                }
                self.echoed += 1;
                sh.stats.total_msgs += 1;
                if sh.stats.measuring {
                    sh.stats.msgs += 1;
                    sh.stats.lat_ns.push(t0.elapsed().as_nanos() as u64);
                }
                match sh.cfg.count {
                    Some(c) => {
                        if self.next_seq + self.queued < c {
                            self.queued += 1;
                        } else if self.echoed == c {
                            self.send_close(sh);
                        }
                    }
                    None => {
                        if sh.sending {
                            self.queued += 1;
                        }
                    }
                }
            }
        }
    }

    /// Read everything available and act on it.
    fn read_all(&mut self, sh: &mut Shared, drain: bool) {
        let mut rbuf = std::mem::take(&mut sh.rbuf);
        loop {
            match self.sock.read(&mut rbuf) {
                Ok(0) => {
                    if self.st == St::Closing && self.close_rcvd {
                        sh.stats.closes += 1;
                        self.st = St::Done;
                    } else {
                        self.fail(sh, "connection closed by the server");
                    }
                    break;
                }
                Ok(n) => {
                    match self.st {
                        St::Upgrading => {
                            self.on_handshake_bytes(sh, &rbuf[..n]);
                        }
                        St::Open | St::Closing => self.on_ws_bytes(sh, &rbuf[..n]),
                        _ => {}
                    }
                    // A short read drained the socket; with edge-triggered epoll any later
                    // data raises a new event, so skip the read that would say EAGAIN -- unless
                    // the peer's FIN already came with this event (no new edge for it).
                    if self.st == St::Done {
                        break;
                    }
                    if n < rbuf.len() {
                        if !drain {
                            break;
                        }
                        if self.st == St::Closing && self.close_rcvd {
                            // Close frame and FIN came together: the read of 0 is certain.
                            sh.stats.closes += 1;
                            self.st = St::Done;
                            break;
                        }
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => {
                    self.fail(sh, &format!("read: {e}"));
                    break;
                }
            }
        }
        sh.rbuf = rbuf;
    }
}

// ---------------------------------------------------------------------------------------------
// The loop

struct Engine {
    sh: Shared,
    poll: Poll,
    events: Events,
    conns: Vec<Option<Conn>>,
    next_num: u64,
    connecting: usize,
    open: usize,
}

impl Engine {
    fn start_conn(&mut self, slot: usize) -> bool {
        match TcpStream::connect(self.sh.cfg.addr) {
            Ok(mut s) => {
                if let Err(e) = self.poll.registry().register(&mut s, Token(slot), Interest::READABLE | Interest::WRITABLE) {
                    self.sh.stats.error(format!("register: {e}"));
                    return false;
                }
                self.conns[slot] = Some(Conn::new(s, self.next_num));
                self.next_num += 1;
                self.connecting += 1;
                true
            }
            Err(e) => {
                self.sh.stats.error(format!("connect: {e}"));
                false
            }
        }
    }

    /// One poll round; returns the slots whose connection finished (state Done).
    fn turn(&mut self, timeout: Duration, done: &mut Vec<usize>) {
        if let Err(e) = self.poll.poll(&mut self.events, Some(timeout)) {
            if e.kind() != ErrorKind::Interrupted {
                eprintln!("loadgen: poll: {e}");
                std::process::exit(1);
            }
            return;
        }
        for ev in self.events.iter() {
            let slot = ev.token().0;
            let Some(c) = self.conns[slot].as_mut() else { continue };
            let sh = &mut self.sh;
            let before = c.st;
            if c.st == St::Connecting {
                c.on_connected(sh, ev.is_writable());
            }
            if (ev.is_readable() || ev.is_read_closed() || ev.is_error()) && c.st != St::Connecting && c.st != St::Done {
                c.read_all(sh, ev.is_read_closed() || ev.is_error());
            }
            if c.st != St::Connecting && c.st != St::Done {
                c.flush(sh);
            }
            let was_pending = matches!(before, St::Connecting | St::Upgrading);
            if was_pending && !matches!(c.st, St::Connecting | St::Upgrading) {
                self.connecting -= 1;
                if c.st != St::Done {
                    self.open += 1;
                }
            } else if !was_pending && c.st == St::Done && before != St::Done {
                self.open -= 1;
            }
            if c.st == St::Done && before != St::Done {
                done.push(slot);
            }
        }
    }

    fn for_each_open(&mut self, mut f: impl FnMut(&mut Conn, &mut Shared)) {
        for c in self.conns.iter_mut().flatten() {
            if c.st == St::Open {
                f(c, &mut self.sh);
            }
        }
    }

    /// Open `n` connections (at most MAX_CONNECTING pending) and wait for all upgrades.
    fn establish(&mut self, n: usize, deadline: Instant) -> bool {
        let mut next = 0usize;
        let mut done = Vec::new();
        loop {
            while next < n && self.connecting < MAX_CONNECTING {
                if !self.start_conn(next) {
                    return false;
                }
                next += 1;
            }
            if next == n && self.connecting == 0 {
                return self.open == n;
            }
            if Instant::now() > deadline {
                self.sh.stats.error(format!("timed out opening connections: {} open of {n}", self.open));
                return false;
            }
            self.turn(Duration::from_millis(100), &mut done);
            if !done.is_empty() {
                return false; // a connection failed while opening
            }
        }
    }
}

fn main() {
    let cfg = parse_args();
    let nofile = raise_nofile();
    if (cfg.conns as u64) + 64 > nofile {
        eprintln!("loadgen: {} connections need more than RLIMIT_NOFILE {nofile}", cfg.conns);
        std::process::exit(2);
    }
    let mut pat = vec![0u8; PAT_LEN];
    let mut r = Rng(0x1234_5678_9abc_def1);
    for c in pat.chunks_mut(8) {
        c.copy_from_slice(&r.next().to_ne_bytes()[..c.len()]);
    }
    let conns = cfg.conns;
    let mut eng = Engine {
        sh: Shared { cfg, pat, rng: Rng::seeded(), stats: Stats::default(), rbuf: vec![0u8; RBUF], sending: true },
        poll: Poll::new().expect("epoll"),
        events: Events::with_capacity(1024),
        conns: (0..conns).map(|_| None).collect(),
        next_num: 0,
        connecting: 0,
        open: 0,
    };
    let ok = match eng.sh.cfg.mode {
        Mode::Echo => run_echo(&mut eng),
        Mode::Handshakes => run_handshakes(&mut eng),
        Mode::Idle => run_idle(&mut eng),
    };
    std::process::exit(if ok { 0 } else { 1 })
}

/// Make close() send RST (SO_LINGER 0): nothing lingers in TIME_WAIT afterwards.
fn linger0(sock: &TcpStream) {
    use std::os::fd::AsRawFd;
    let lg = libc::linger { l_onoff: 1, l_linger: 0 };
    unsafe {
        libc::setsockopt(
            sock.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            &lg as *const libc::linger as *const libc::c_void,
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}

/// Abort every connection (RST) so that runs leave no TIME_WAIT ports behind.
fn abort_all(eng: &mut Engine) {
    for c in eng.conns.iter_mut() {
        if let Some(c) = c.take() {
            linger0(&c.sock);
        }
    }
}

fn json_str(s: &str) -> String {
    let mut o = String::from("\"");
    for ch in s.chars() {
        match ch {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            c if (c as u32) < 0x20 => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn errors_json(st: &Stats) -> String {
    let e: Vec<String> = st.first_errors.iter().map(|s| json_str(s)).collect();
    format!("\"errors\": {}, \"first_errors\": [{}]", st.errors, e.join(", "))
}

fn run_echo(eng: &mut Engine) -> bool {
    // The server's resident memory before any connection, and at the end of the
    // measurement window (every connection with its messages in flight).
    let rss_idle = eng.sh.cfg.pid.and_then(proc_rss_kib);
    let mut rss_busy = None;
    let t_begin = Instant::now();
    let timeout = Duration::from_secs_f64(eng.sh.cfg.timeout);
    let n = eng.sh.cfg.conns;
    let established = eng.establish(n, t_begin + timeout);
    let t_open = t_begin.elapsed().as_secs_f64();
    let mut done = Vec::new();
    let pid = eng.sh.cfg.pid;
    let mut cpu0 = None;
    let mut cpu1 = None;
    let mut gen0 = 0.0;
    let mut gen1 = 0.0;
    let mut window = 0.0;
    let mut stalled = 0usize;
    if established {
        // Everyone starts at once.
        let w = match eng.sh.cfg.count {
            Some(c) => eng.sh.cfg.window.min(c),
            None => eng.sh.cfg.window,
        };
        let t_fixed = Instant::now();
        if eng.sh.cfg.count.is_some() {
            // A fixed workload is measured from its first byte to the last close.
            eng.sh.stats.measuring = true;
            cpu0 = pid.and_then(proc_cpu_split);
            gen0 = self_cpu();
        }
        eng.for_each_open(|c, sh| {
            if w == 0 {
                c.send_close(sh);
            } else {
                c.queued = w;
            }
            c.flush(sh);
        });
        if let Some(_count) = eng.sh.cfg.count {
            // Fixed workload: run until every connection has closed.
            let t0 = t_fixed;
            while eng.open > 0 {
                if t0.elapsed() > timeout {
                    eng.sh.stats.error(format!("timed out: {} connections still open", eng.open));
                    break;
                }
                eng.turn(Duration::from_millis(100), &mut done);
            }
            window = t0.elapsed().as_secs_f64();
            cpu1 = pid.and_then(proc_cpu_split);
            gen1 = self_cpu();
            eng.sh.stats.measuring = false;
        } else {
            let t0 = Instant::now();
            let t_meas = t0 + Duration::from_secs_f64(eng.sh.cfg.warmup);
            let t_end = t_meas + Duration::from_secs_f64(eng.sh.cfg.duration);
            let mut now = t0;
            while now < t_meas {
                eng.turn((t_meas - now).min(Duration::from_millis(50)), &mut done);
                now = Instant::now();
            }
            eng.sh.stats.measuring = true;
            cpu0 = pid.and_then(proc_cpu_split);
            gen0 = self_cpu();
            let tm = Instant::now();
            while now < t_end {
                eng.turn((t_end - now).min(Duration::from_millis(50)), &mut done);
                now = Instant::now();
            }
            eng.sh.stats.measuring = false;
            eng.sh.sending = false;
            window = tm.elapsed().as_secs_f64();
            cpu1 = pid.and_then(proc_cpu_split);
            gen1 = self_cpu();
            rss_busy = pid.and_then(proc_rss_kib);
            // Connections that waited for an echo during the whole window.
            for c in eng.conns.iter().flatten() {
                if c.st == St::Open && !c.inflight.is_empty() && c.last_rx < tm {
                    stalled += 1;
                }
            }
            if eng.sh.stats.msgs == 0 && eng.sh.stats.bytes == 0 {
                eng.sh.stats.error("nothing was echoed during the measurement window".into());
            }
        }
    }
    abort_all(eng);
    let st = &mut eng.sh.stats;
    st.lat_ns.sort_unstable();
    let w = if window > 0.0 { window } else { 1.0 };
    let msgs_s = st.msgs as f64 / w;
    let mb_s = st.bytes as f64 / w / 1e6;
    let srv_split = match (cpu0, cpu1) {
        (Some(a), Some(b)) => Some((b.0 - a.0, b.1 - a.1)),
        _ => None,
    };
    let srv_cpu = srv_split.map(|(u, k)| u + k);
    let cpu_per_msg_us = srv_cpu.filter(|_| st.msgs > 0).map(|c| c / st.msgs as f64 * 1e6);
    let user_per_msg_us = srv_split
        .filter(|_| st.msgs > 0)
        .map(|(u, _)| u / st.msgs as f64 * 1e6);
    let opt = |v: Option<f64>| v.map_or("null".to_string(), |x| format!("{x:.4}"));
    let ok = established && st.errors == 0 && st.mismatches == 0 && st.bad_len == 0 && (st.total_msgs > 0 || st.bytes > 0 || eng.sh.cfg.count == Some(0))
        && (eng.sh.cfg.count.is_none() || st.closes == eng.sh.cfg.conns as u64);
    println!(
        "{{\"mode\": \"echo\", \"ok\": {ok}, \"conns\": {}, \"size\": {}, \"window\": {}, \"seconds\": {w:.4}, \
         \"connect_seconds\": {t_open:.3}, \"msgs\": {}, \"msgs_per_s\": {msgs_s:.1}, \"mb_per_s\": {mb_s:.3}, \
         \"sent_mb_per_s\": {:.3}, \"p50_us\": {:.1}, \"p99_us\": {:.1}, \"p999_us\": {:.1}, \"max_us\": {:.1}, \"total_msgs\": {}, \
         \"rss_idle_kib\": {}, \"rss_busy_kib\": {}, \
         \"verified\": {}, \"mismatches\": {}, \"bad_len\": {}, \"stalled_conns\": {stalled}, \
         \"closes\": {}, \"server_cpu_s\": {}, \"server_cpu_us_per_msg\": {}, \"server_cpu_pct\": {}, \
         \"server_user_us_per_msg\": {}, \"gen_cpu_pct\": {:.1}, {}}}",
        eng.sh.cfg.conns,
        eng.sh.cfg.size,
        eng.sh.cfg.window,
        st.msgs,
        st.sent_bytes as f64 / w / 1e6,
        pct(&st.lat_ns, 0.5) as f64 / 1e3,
        pct(&st.lat_ns, 0.99) as f64 / 1e3,
        pct(&st.lat_ns, 0.999) as f64 / 1e3,
        st.lat_ns.last().copied().unwrap_or(0) as f64 / 1e3,
        st.total_msgs,
        rss_idle.map_or("null".into(), |v| v.to_string()),
        rss_busy.map_or("null".into(), |v| v.to_string()),
        st.verified,
        st.mismatches,
        st.bad_len,
        st.closes,
        opt(srv_cpu),
        opt(cpu_per_msg_us),
        opt(srv_cpu.map(|c| c / w * 100.0)),
        opt(user_per_msg_us),
        (gen1 - gen0) / w * 100.0,
        errors_json(st)
    );
    ok
}

#[allow(unused_assignments)]
fn run_handshakes(eng: &mut Engine) -> bool {
    let n = eng.sh.cfg.conns;
    let pid = eng.sh.cfg.pid;
    let mut done = Vec::new();
    for slot in 0..n {
        if !eng.start_conn(slot) {
            break;
        }
    }
    let t0 = Instant::now();
    let t_meas = t0 + Duration::from_secs_f64(eng.sh.cfg.warmup);
    let t_end = t_meas + Duration::from_secs_f64(eng.sh.cfg.duration);
    let mut measuring = false;
    let (mut cpu0, mut cpu1, mut gen0, mut gen1) = (None, None, 0.0, 0.0);
    let mut tm = t0;
    let mut window = 0.0;
    loop {
        let now = Instant::now();
        if !measuring && now >= t_meas {
            measuring = true;
            eng.sh.stats.measuring = true;
            cpu0 = pid.and_then(proc_cpu);
            gen0 = self_cpu();
            tm = now;
        }
        if measuring && now >= t_end {
            window = tm.elapsed().as_secs_f64();
            eng.sh.stats.measuring = false;
            cpu1 = pid.and_then(proc_cpu);
            gen1 = self_cpu();
            break;
        }
        let next = if measuring { t_end } else { t_meas };
        done.clear();
        eng.turn((next - now).min(Duration::from_millis(50)), &mut done);
        // Upgraded connections start their close handshake at once.
        for slot in 0..n {
            if let Some(c) = eng.conns[slot].as_mut() {
                if c.st == St::Open {
                    c.send_close(&mut eng.sh);
                    c.flush(&mut eng.sh);
                    if c.st == St::Done {
                        done.push(slot);
                    }
                }
            }
        }
        for &slot in &done {
            // The close handshake is over (the server closed first): end with RST rather than
            // FIN, sparing both ends a TIME_WAIT socket per handshake.
            if let Some(c) = eng.conns[slot].take() {
                linger0(&c.sock);
            }
            if eng.sh.stats.errors > 100 {
                continue;
            }
            eng.start_conn(slot);
        }
    }
    abort_all(eng);
    let st = &eng.sh.stats;
    let w = if window > 0.0 { window } else { 1.0 };
    let srv_cpu = match (cpu0, cpu1) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    let opt = |v: Option<f64>| v.map_or("null".to_string(), |x| format!("{x:.4}"));
    let ok = st.errors == 0 && st.handshakes > 0;
    println!(
        "{{\"mode\": \"handshakes\", \"ok\": {ok}, \"concurrency\": {n}, \"seconds\": {w:.4}, \"handshakes\": {}, \
         \"handshakes_per_s\": {:.1}, \"closes\": {}, \"total_handshakes\": {}, \"server_cpu_us_per_handshake\": {}, \
         \"gen_cpu_pct\": {:.1}, {}}}",
        st.handshakes,
        st.handshakes as f64 / w,
        st.closes,
        st.total_handshakes,
        opt(srv_cpu.filter(|_| st.handshakes > 0).map(|c| c / st.handshakes as f64 * 1e6)),
        (gen1 - gen0) / w * 100.0,
        errors_json(st)
    );
    ok
}

fn run_idle(eng: &mut Engine) -> bool {
    let pid = eng.sh.cfg.pid.unwrap();
    let n = eng.sh.cfg.conns;
    let rss0 = proc_rss_kib(pid);
    let t0 = Instant::now();
    let established = eng.establish(n, t0 + Duration::from_secs_f64(eng.sh.cfg.timeout));
    let t_open = t0.elapsed().as_secs_f64();
    // Let the server settle (nothing is sent), keep serving our side of the sockets.
    let mut done = Vec::new();
    let settle_end = Instant::now() + Duration::from_secs_f64(eng.sh.cfg.settle);
    while Instant::now() < settle_end {
        eng.turn(Duration::from_millis(50), &mut done);
    }
    let rss1 = proc_rss_kib(pid);
    let still_open = eng.open;
    abort_all(eng);
    let st = &eng.sh.stats;
    let ok = established && st.errors == 0 && rss0.is_some() && rss1.is_some() && done.is_empty();
    let per = match (rss0, rss1) {
        (Some(a), Some(b)) => format!("{:.1}", (b as f64 - a as f64) * 1024.0 / n as f64),
        _ => "null".into(),
    };
    println!(
        "{{\"mode\": \"idle\", \"ok\": {ok}, \"conns\": {n}, \"open\": {}, \"connect_seconds\": {t_open:.3}, \
         \"rss_before_kib\": {}, \"rss_after_kib\": {}, \"rss_bytes_per_conn\": {per}, {}}}",
        still_open,
        rss0.map_or("null".into(), |v| v.to_string()),
        rss1.map_or("null".into(), |v| v.to_string()),
        errors_json(st)
    );
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(size: usize) -> Cfg {
        Cfg {
            mode: Mode::Echo,
            addr: "127.0.0.1:1".parse().unwrap(),
            host: "127.0.0.1:1".into(),
            conns: 1,
            size,
            window: 1,
            warmup: 0.0,
            duration: 0.0,
            count: None,
            verify_every: 1,
            pid: None,
            settle: 0.0,
            timeout: 1.0,
        }
    }

    fn conn() -> Conn {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let s = std::net::TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let mut c = Conn::new(TcpStream::from_std(s), 7);
        c.st = St::Open;
        c
    }

    fn shared(size: usize) -> Shared {
        let mut pat = vec![0u8; PAT_LEN];
        let mut r = Rng(99);
        for b in pat.iter_mut() {
            *b = r.next() as u8;
        }
        Shared { cfg: cfg(size), pat, rng: Rng(5), stats: Stats::default(), rbuf: vec![0; 64], sending: true }
    }

    /// A server frame: FIN/opcode byte, then the shortest length encoding unless `long`.
    fn frame(b0: u8, payload: &[u8], long: bool) -> Vec<u8> {
        let n = payload.len();
        let mut f = vec![b0];
        if long || n > 65535 {
            f.push(127);
            f.extend_from_slice(&(n as u64).to_be_bytes());
        } else if n < 126 {
            f.push(n as u8);
        } else {
            f.push(126);
            f.extend_from_slice(&(n as u16).to_be_bytes());
        }
        f.extend_from_slice(payload);
        f
    }

    /// The echo of message `seq` of a connection, fragmented at `cuts`, fed `step` bytes at a time.
    fn feed(size: usize, cuts: &[usize], long: bool, step: usize, corrupt: bool) -> Stats {
        let mut sh = shared(size);
        let mut c = conn();
        c.queued = 1;
        c.generate(&mut sh); // one message "sent": seq 0 in flight
        assert_eq!(c.inflight.len(), 1);
        let base = pat_base(c.num, 0);
        let mut msg: Vec<u8> = (0..size).map(|i| sh.pat[(base + i) & (PAT_LEN - 1)]).collect();
        if corrupt {
            msg[size / 2] ^= 1;
        }
        let mut wire = Vec::new();
        let mut start = 0;
        let mut bounds: Vec<usize> = cuts.to_vec();
        bounds.push(size);
        for (i, &end) in bounds.iter().enumerate() {
            let op = if i == 0 { 2 } else { 0 };
            let fin = if i == bounds.len() - 1 { 0x80 } else { 0 };
            wire.extend(frame(fin | op, &msg[start..end], long));
            start = end;
        }
        sh.sending = false;
        for ch in wire.chunks(step) {
            c.on_ws_bytes(&mut sh, ch);
        }
        assert!(c.inflight.is_empty() || corrupt);
        sh.stats
    }

    #[test]
    fn lengths_fragments_and_byte_by_byte() {
        for &(size, long) in &[(16, false), (125, false), (126, false), (65535, false), (65536, false), (70000, true)] {
            for &step in &[1usize, 3, 4096, 1 << 20] {
                let st = feed(size, &[], long, step, false);
                assert_eq!((st.total_msgs, st.verified, st.errors), (1, 1, 0), "size {size} step {step}");
                let st = feed(size, &[1, size / 2, size - 1], long, step, false);
                assert_eq!((st.total_msgs, st.verified, st.errors), (1, 1, 0), "fragmented {size} {step}");
            }
        }
    }

    #[test]
    fn a_wrong_byte_is_caught() {
        let st = feed(4096, &[1000], false, 7, true);
        assert_eq!(st.mismatches, 1);
    }

    #[test]
    fn masking_round_trips() {
        let src: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
        let mask = [1, 2, 3, 4];
        for phase in 0..4 {
            let mut d = vec![0; src.len()];
            mask_copy(&mut d, &src, mask, phase);
            for i in 0..src.len() {
                assert_eq!(d[i], src[i] ^ mask[(phase + i) % 4]);
            }
        }
    }

    #[test]
    fn accept_key_of_rfc6455() {
        assert_eq!(accept_key("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }
}
