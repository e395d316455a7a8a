//! The incarnation of a replica: a number that grows at every start. The
//! authentication trailer carries it (peers' replay windows refuse packets
//! of an earlier incarnation), and with a data directory it is persisted,
//! so it grows even if the clock goes back, and it tells which instances a
//! replica may have forgotten.

use std::fmt;
use std::io;
use std::path::Path;

/// A replica's incarnation: at least its start time in microseconds since
/// the Unix epoch, and with a data directory more than every earlier one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Incarnation(pub u64);

impl Incarnation {
    /// The incarnation of a start without a data directory: the clock.
    pub fn from_clock() -> Incarnation {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        Incarnation(now.map_or(1, |d| d.as_micros() as u64).max(1))
    }

    /// The incarnation after `self`: the clock, or `self + 1` if the clock
    /// reads earlier.
    pub fn next(self) -> Incarnation {
        Incarnation(Incarnation::from_clock().0.max(self.0.saturating_add(1)))
    }
}

impl fmt::Display for Incarnation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What the `incarnation` file of a data directory holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Meta {
    /// The current incarnation.
    pub incarnation: Incarnation,
    /// Set when the replica found its data directory without its state:
    /// the incarnation at which it lost it. It stays set for the life of
    /// the directory.
    pub amnesic_since: Option<Incarnation>,
}

const META: &str = "incarnation";
const META_LEN: usize = 20;

impl Meta {
    /// Reads the file; `Ok(None)` when there is none.
    pub(crate) fn read(dir: &Path) -> io::Result<Option<Meta>> {
        let b = match std::fs::read(dir.join(META)) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let bad = || io::Error::new(io::ErrorKind::InvalidData, format!("{}: corrupt incarnation file", dir.join(META).display()));
        if b.len() != META_LEN || crc32fast::hash(&b[..16]).to_le_bytes() != b[16..20] {
            return Err(bad());
        }
        let word = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or_default());
        let since = word(8);
        Ok(Some(Meta { incarnation: Incarnation(word(0)), amnesic_since: (since != 0).then_some(Incarnation(since)) }))
    }

    /// Writes the file atomically (temporary file, fsync, rename, fsync of
    /// the directory).
    pub(crate) fn write(&self, dir: &Path) -> io::Result<()> {
        let mut b = Vec::with_capacity(META_LEN);
        b.extend_from_slice(&self.incarnation.0.to_le_bytes());
        b.extend_from_slice(&self.amnesic_since.map_or(0, |i| i.0).to_le_bytes());
        let crc = crc32fast::hash(&b);
        b.extend_from_slice(&crc.to_le_bytes());
        let tmp = dir.join("incarnation.tmp");
        {
            let mut f = std::fs::File::create(&tmp)?;
            io::Write::write_all(&mut f, &b)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, dir.join(META))?;
        sync_dir(dir)
    }
}

/// Makes a directory's entries (created, renamed, removed files) durable.
pub(crate) fn sync_dir(dir: &Path) -> io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_even_when_the_clock_is_behind() {
        let far = Incarnation(u64::MAX / 2);
        assert_eq!(far.next(), Incarnation(far.0 + 1));
        let old = Incarnation(5);
        assert!(old.next().0 > 1_000_000_000, "the clock wins when it is ahead");
    }
}
