//! The active domain of a run: the primitive values and process sets found
//! inside states, collected through `serde::Serialize`.

use crate::dsl::{ProcSet, ProcessId};
use serde::ser::{self, Serialize};
use std::fmt;

/// One primitive value found in a state, tagged with its Rust type.
#[derive(Clone, Debug, PartialEq)]
#[allow(missing_docs)]
pub enum Leaf {
    Bool(bool),
    I8(i8),
    I16(i16),
    I32(i32),
    I64(i64),
    I128(i128),
    U8(u8),
    U16(u16),
    U32(u32),
    U64(u64),
    U128(u128),
    F32(f32),
    F64(f64),
    Char(char),
    Str(String),
    Pid(ProcessId),
    Set(ProcSet),
}

/// A type whose values present in a run can be quantified over with
/// [`crate::World::exists_value`].
pub trait ActiveValue: Sized {
    /// The value, if `leaf` is one of this type.
    fn from_leaf(leaf: &Leaf) -> Option<Self>;
}

macro_rules! active {
    ($($t:ty => $v:ident),*) => {$(
        impl ActiveValue for $t {
            fn from_leaf(leaf: &Leaf) -> Option<Self> {
                match leaf { Leaf::$v(x) => Some(x.clone()), _ => None }
            }
        }
    )*};
}
active!(bool => Bool, i8 => I8, i16 => I16, i32 => I32, i64 => I64, i128 => I128, u8 => U8,
    u16 => U16, u32 => U32, u64 => U64, u128 => U128, f32 => F32, f64 => F64, char => Char,
    String => Str, ProcessId => Pid, ProcSet => Set);

impl ActiveValue for usize {
    fn from_leaf(leaf: &Leaf) -> Option<Self> {
        match leaf {
            Leaf::U64(x) => usize::try_from(*x).ok(),
            _ => None,
        }
    }
}

/// Collects the leaves of `v` into `out`. Values that serde cannot visit
/// (a failing `Serialize` impl) contribute the leaves seen before the error.
pub fn collect_leaves<T: Serialize + ?Sized>(v: &T, out: &mut Vec<Leaf>) {
    let _ = v.serialize(&mut Collector { out });
}

/// Error type of the collector (never produced by the collector itself).
#[derive(Debug)]
pub struct CollectError(String);
impl fmt::Display for CollectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for CollectError {}
impl ser::Error for CollectError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        CollectError(msg.to_string())
    }
}

struct Collector<'a> {
    out: &'a mut Vec<Leaf>,
}

type R = Result<(), CollectError>;

macro_rules! prim {
    ($($f:ident($t:ty) => $v:ident),*) => {$(
        fn $f(self, x: $t) -> R { self.out.push(Leaf::$v(x)); Ok(()) }
    )*};
}

impl<'a, 'b> ser::Serializer for &'a mut Collector<'b> {
    type Ok = ();
    type Error = CollectError;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    prim!(serialize_bool(bool) => Bool, serialize_i8(i8) => I8, serialize_i16(i16) => I16,
        serialize_i32(i32) => I32, serialize_i64(i64) => I64, serialize_i128(i128) => I128,
        serialize_u8(u8) => U8, serialize_u16(u16) => U16, serialize_u32(u32) => U32,
        serialize_u64(u64) => U64, serialize_u128(u128) => U128, serialize_f32(f32) => F32,
        serialize_f64(f64) => F64, serialize_char(char) => Char);

    fn serialize_str(self, s: &str) -> R {
        self.out.push(Leaf::Str(s.to_owned()));
        Ok(())
    }
    fn serialize_bytes(self, b: &[u8]) -> R {
        self.out.extend(b.iter().map(|&x| Leaf::U8(x)));
        Ok(())
    }
    fn serialize_none(self) -> R {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> R {
        v.serialize(self)
    }
    fn serialize_unit(self) -> R {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> R {
        Ok(())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> R {
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, name: &'static str, v: &T) -> R {
        if name == "ProcessId" || name == "ProcSet" {
            let mut inner = Vec::new();
            v.serialize(&mut Collector { out: &mut inner })?;
            let ids = inner.iter().filter_map(|l| match l {
                Leaf::U32(x) => Some(ProcessId::from_u32(*x)),
                _ => None,
            });
            if name == "ProcessId" {
                self.out.extend(ids.map(Leaf::Pid));
            } else {
                let set: ProcSet = ids.collect();
                self.out.extend(set.iter().map(Leaf::Pid));
                self.out.push(Leaf::Set(set));
            }
            return Ok(());
        }
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(self, _: &'static str, _: u32, _: &'static str, v: &T) -> R {
        v.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self, CollectError> {
        Ok(self)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self, CollectError> {
        Ok(self)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, CollectError> {
        Ok(self)
    }
    fn serialize_tuple_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Self, CollectError> {
        Ok(self)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self, CollectError> {
        Ok(self)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, CollectError> {
        Ok(self)
    }
    fn serialize_struct_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Self, CollectError> {
        Ok(self)
    }
}

macro_rules! compound {
    ($tr:ident, $m:ident) => {
        impl<'a, 'b> ser::$tr for &'a mut Collector<'b> {
            type Ok = ();
            type Error = CollectError;
            fn $m<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
                v.serialize(&mut **self)
            }
            fn end(self) -> R {
                Ok(())
            }
        }
    };
}
compound!(SerializeSeq, serialize_element);
compound!(SerializeTuple, serialize_element);
compound!(SerializeTupleStruct, serialize_field);
compound!(SerializeTupleVariant, serialize_field);

impl<'a, 'b> ser::SerializeMap for &'a mut Collector<'b> {
    type Ok = ();
    type Error = CollectError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> R {
        k.serialize(&mut **self)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> R {
        v.serialize(&mut **self)
    }
    fn end(self) -> R {
        Ok(())
    }
}

impl<'a, 'b> ser::SerializeStruct for &'a mut Collector<'b> {
    type Ok = ();
    type Error = CollectError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, _: &'static str, v: &T) -> R {
        v.serialize(&mut **self)
    }
    fn end(self) -> R {
        Ok(())
    }
}

impl<'a, 'b> ser::SerializeStructVariant for &'a mut Collector<'b> {
    type Ok = ();
    type Error = CollectError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, _: &'static str, v: &T) -> R {
        v.serialize(&mut **self)
    }
    fn end(self) -> R {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize)]
    struct S {
        x: i64,
        y: Option<u32>,
        who: ProcessId,
        set: ProcSet,
        v: Vec<(i64, bool)>,
        name: String,
    }

    #[test]
    fn leaves_keep_their_types() {
        let s = S {
            x: 4,
            y: Some(7),
            who: ProcessId::new(2),
            set: [ProcessId::new(0), ProcessId::new(3)].into_iter().collect(),
            v: vec![(9, true)],
            name: "a".into(),
        };
        let mut out = Vec::new();
        collect_leaves(&s, &mut out);
        let i64s: Vec<i64> = out.iter().filter_map(i64::from_leaf).collect();
        assert_eq!(i64s, vec![4, 9]);
        let u32s: Vec<u32> = out.iter().filter_map(u32::from_leaf).collect();
        assert_eq!(u32s, vec![7], "process ids are not plain u32 values");
        let pids: Vec<ProcessId> = out.iter().filter_map(ProcessId::from_leaf).collect();
        assert_eq!(pids, vec![ProcessId::new(2), ProcessId::new(0), ProcessId::new(3)]);
        let sets: Vec<ProcSet> = out.iter().filter_map(ProcSet::from_leaf).collect();
        assert_eq!(sets.len(), 1);
        assert_eq!(out.iter().filter_map(String::from_leaf).collect::<Vec<_>>(), vec!["a".to_string()]);
    }
}
