//! Process identities and sets of processes.

use serde::de::{self, Deserialize, Deserializer, SeqAccess, Visitor};
use serde::ser::{Serialize, Serializer};
use std::cell::Cell;
use std::fmt;

/// The largest number of processes a [`ProcSet`] decoded outside a run may
/// name (ids `0..MAX_DECODED_IDS`): a set is a bit vector, so one large id
/// would otherwise cost memory in proportion to its value.
pub const MAX_DECODED_IDS: u32 = 1 << 16;

thread_local! {
    /// The number of processes of the run whose message is being decoded.
    static RUN_SIZE: Cell<Option<u32>> = const { Cell::new(None) };
}

/// Runs `decode` with process ids limited to `0..n`: a [`ProcessId`] or a
/// [`ProcSet`] member out of range is a decoding error.
pub(crate) fn with_run_size<T>(n: usize, decode: impl FnOnce() -> T) -> T {
    struct Restore(Option<u32>);
    impl Drop for Restore {
        fn drop(&mut self) {
            RUN_SIZE.set(self.0);
        }
    }
    let _restore = Restore(RUN_SIZE.replace(Some(u32::try_from(n).unwrap_or(u32::MAX))));
    decode()
}

/// Checks a decoded id: below the run's size inside a run; outside one,
/// any id for a [`ProcessId`] and ids below [`MAX_DECODED_IDS`] in a set.
fn check_id<E: de::Error>(k: u32, in_set: bool) -> Result<u32, E> {
    match RUN_SIZE.get() {
        Some(n) if k >= n => Err(E::custom(format_args!("process id {k} is not in 0..{n}"))),
        None if in_set && k >= MAX_DECODED_IDS => {
            Err(E::custom(format_args!("process id {k} in a set is not below {MAX_DECODED_IDS}")))
        }
        _ => Ok(k),
    }
}

/// The identity of one process (replica) of a run: `0..n`.
///
/// Serialized as a newtype struct named `"ProcessId"` around a `u32`, which is
/// how [`crate::World::exists_value`] recognises process ids inside states.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ProcessId(u32);

impl ProcessId {
    /// The process with index `k`.
    ///
    /// # Panics
    /// If `k` does not fit in 32 bits (a programming error: runs have far fewer
    /// processes).
    pub fn new(k: usize) -> ProcessId {
        ProcessId(u32::try_from(k).expect("process index fits in 32 bits"))
    }

    /// The process with the wire id `k`.
    pub const fn from_u32(k: u32) -> ProcessId {
        ProcessId(k)
    }

    /// The index of this process, in `0..n`.
    pub fn index(self) -> usize {
        self.0 as usize
    }

    /// The id as carried in packet headers.
    pub fn as_u32(self) -> u32 {
        self.0
    }
}

impl fmt::Debug for ProcessId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "p{}", self.0)
    }
}

impl fmt::Display for ProcessId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "p{}", self.0)
    }
}

impl Serialize for ProcessId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct("ProcessId", &self.0)
    }
}

impl<'de> Deserialize<'de> for ProcessId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(rename = "ProcessId")]
        struct Raw(u32);
        let r = Raw::deserialize(d)?;
        check_id(r.0, false).map(ProcessId)
    }
}

/// A set of processes, as a growable bit set: no limit on the number of
/// processes (PSync stopped at 63).
///
/// Equality is set equality: trailing empty words are never stored.
#[derive(Clone, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct ProcSet {
    words: Vec<u64>,
}

impl ProcSet {
    /// The empty set.
    pub fn new() -> ProcSet {
        ProcSet { words: Vec::new() }
    }

    /// The set `{0, .., n-1}` of all processes of a run of size `n`.
    pub fn full(n: usize) -> ProcSet {
        let mut s = ProcSet::new();
        for i in 0..n {
            s.insert(ProcessId::new(i));
        }
        s
    }

    /// Number of processes in the set.
    pub fn len(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Whether `p` is in the set.
    pub fn contains(&self, p: ProcessId) -> bool {
        let (w, b) = (p.index() / 64, p.index() % 64);
        self.words.get(w).is_some_and(|x| x & (1 << b) != 0)
    }

    /// Adds `p`; returns whether it was absent.
    pub fn insert(&mut self, p: ProcessId) -> bool {
        let (w, b) = (p.index() / 64, p.index() % 64);
        if self.words.len() <= w {
            self.words.resize(w + 1, 0);
        }
        let fresh = self.words[w] & (1 << b) == 0;
        self.words[w] |= 1 << b;
        fresh
    }

    /// Removes `p`; returns whether it was present.
    pub fn remove(&mut self, p: ProcessId) -> bool {
        let was = self.contains(p);
        if was {
            self.words[p.index() / 64] &= !(1 << (p.index() % 64));
            while self.words.last() == Some(&0) {
                self.words.pop();
            }
        }
        was
    }

    /// Empties the set, keeping its allocation.
    pub fn clear(&mut self) {
        self.words.clear();
    }

    /// The processes of the set, in increasing order.
    pub fn iter(&self) -> impl Iterator<Item = ProcessId> + '_ {
        self.words.iter().enumerate().flat_map(|(wi, &w)| {
            (0..64).filter(move |b| w & (1u64 << b) != 0).map(move |b| ProcessId::new(wi * 64 + b))
        })
    }

    /// Whether every process of `self` is in `other`.
    pub fn is_subset(&self, other: &ProcSet) -> bool {
        self.words
            .iter()
            .enumerate()
            .all(|(i, w)| w & !other.words.get(i).copied().unwrap_or(0) == 0)
    }

    /// Whether some process is in both sets.
    pub fn intersects(&self, other: &ProcSet) -> bool {
        self.words.iter().zip(&other.words).any(|(a, b)| a & b != 0)
    }

    /// The processes in `self` or in `other`.
    pub fn union(&self, other: &ProcSet) -> ProcSet {
        let len = self.words.len().max(other.words.len());
        let word = |s: &ProcSet, i: usize| s.words.get(i).copied().unwrap_or(0);
        ProcSet::trimmed((0..len).map(|i| word(self, i) | word(other, i)).collect())
    }

    /// The processes in both `self` and `other`.
    pub fn intersection(&self, other: &ProcSet) -> ProcSet {
        ProcSet::trimmed(self.words.iter().zip(&other.words).map(|(a, b)| a & b).collect())
    }

    /// The processes in `self` and not in `other`.
    pub fn difference(&self, other: &ProcSet) -> ProcSet {
        let word = |i: usize| other.words.get(i).copied().unwrap_or(0);
        ProcSet::trimmed(self.words.iter().enumerate().map(|(i, a)| a & !word(i)).collect())
    }

    /// A set of these words, without trailing empty ones (equality is set equality).
    fn trimmed(mut words: Vec<u64>) -> ProcSet {
        while words.last() == Some(&0) {
            words.pop();
        }
        ProcSet { words }
    }
}

impl FromIterator<ProcessId> for ProcSet {
    fn from_iter<I: IntoIterator<Item = ProcessId>>(it: I) -> Self {
        let mut s = ProcSet::new();
        for p in it {
            s.insert(p);
        }
        s
    }
}

impl fmt::Debug for ProcSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl Serialize for ProcSet {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let ids: Vec<u32> = self.iter().map(ProcessId::as_u32).collect();
        s.serialize_newtype_struct("ProcSet", &ids)
    }
}

/// Reads a set's ids one by one, checking each before it is inserted (no
/// intermediate vector sized by a claimed length).
struct ProcSetVisitor;

impl<'de> Visitor<'de> for ProcSetVisitor {
    type Value = ProcSet;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a sequence of process ids")
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<ProcSet, D::Error> {
        d.deserialize_seq(ProcSetVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ProcSet, A::Error> {
        let mut s = ProcSet::new();
        while let Some(k) = seq.next_element::<u32>()? {
            s.insert(ProcessId(check_id(k, true)?));
        }
        Ok(s)
    }
}

impl<'de> Deserialize<'de> for ProcSet {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_newtype_struct("ProcSet", ProcSetVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_equality_ignores_history_and_scales_past_63() {
        let mut a = ProcSet::new();
        a.insert(ProcessId::new(200));
        a.insert(ProcessId::new(3));
        a.remove(ProcessId::new(200));
        let b: ProcSet = [ProcessId::new(3)].into_iter().collect();
        assert_eq!(a, b);
        assert_eq!(a.len(), 1);
        let big = ProcSet::full(130);
        assert_eq!(big.len(), 130);
        assert!(big.contains(ProcessId::new(129)));
        assert!(!big.contains(ProcessId::new(130)));
        assert_eq!(big.iter().last(), Some(ProcessId::new(129)));
        assert!(b.is_subset(&big) && !big.is_subset(&b));
    }

    #[test]
    fn set_operations_agree_with_membership_and_keep_equality() {
        let set = |ids: &[usize]| -> ProcSet { ids.iter().map(|&i| ProcessId::new(i)).collect() };
        let (a, b) = (set(&[1, 70, 130]), set(&[1, 2, 130]));
        assert_eq!(a.union(&b), set(&[1, 2, 70, 130]));
        assert_eq!(a.intersection(&b), set(&[1, 130]));
        assert_eq!(a.difference(&b), set(&[70]));
        assert_eq!(set(&[70]).intersection(&set(&[1])), ProcSet::new(), "no trailing empty words");
        assert_eq!(set(&[130]).difference(&set(&[130])), ProcSet::new());
        assert!(a.intersects(&b) && !set(&[70]).intersects(&b) && !ProcSet::new().intersects(&a));
    }

    #[test]
    fn serde_round_trip() {
        let s: ProcSet = [1, 5, 70].into_iter().map(ProcessId::new).collect();
        let j = serde_json::to_string(&s).unwrap();
        assert_eq!(j, "[1,5,70]");
        assert_eq!(serde_json::from_str::<ProcSet>(&j).unwrap(), s);
        assert_eq!(serde_json::from_str::<ProcessId>("7").unwrap(), ProcessId::new(7));
    }

    #[test]
    fn decoded_ids_are_bounded_by_the_run_or_a_fixed_limit() {
        let e = serde_json::from_str::<ProcSet>("[1, 4000000000]").unwrap_err().to_string();
        assert!(e.contains("not below 65536"), "{e}");
        let e = with_run_size(4, || serde_json::from_str::<ProcSet>("[1, 4]")).unwrap_err().to_string();
        assert!(e.contains("process id 4 is not in 0..4"), "{e}");
        assert!(with_run_size(4, || serde_json::from_str::<ProcessId>("9")).is_err());
        assert_eq!(with_run_size(4, || serde_json::from_str::<ProcSet>("[3, 0]")).unwrap().len(), 2);
        assert!(serde_json::from_str::<ProcessId>("9").is_ok(), "the limit ends with the run");
    }
}
