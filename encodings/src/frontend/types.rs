//! Rust types of the subset and the sorts they denote.

use psync_logic::Sort;
use syn::spanned::Spanned;

use super::error::{FeResult, err_help};

/// A Rust type translated: its sort, and whether it is an unsigned integer.
#[derive(Clone, Debug, PartialEq)]
pub struct Ty {
    /// The sort.
    pub sort: Sort,
    /// `u8` … `usize`: values are never negative.
    pub unsigned: bool,
}

const SIGNED: [&str; 6] = ["i8", "i16", "i32", "i64", "i128", "isize"];
const UNSIGNED: [&str; 6] = ["u8", "u16", "u32", "u64", "u128", "usize"];

/// Whether `name` is a Rust integer type.
pub fn is_int_type(name: &str) -> bool {
    SIGNED.contains(&name) || UNSIGNED.contains(&name)
}

/// The sort of a Rust type of the subset.
pub fn sort_of(ty: &syn::Type) -> FeResult<Ty> {
    match ty {
        syn::Type::Reference(r) => sort_of(&r.elem),
        syn::Type::Paren(p) => sort_of(&p.elem),
        syn::Type::Group(g) => sort_of(&g.elem),
        syn::Type::Tuple(t) if t.elems.len() >= 2 => {
            let sorts = t.elems.iter().map(|e| sort_of(e).map(|t| t.sort)).collect::<FeResult<Vec<_>>>()?;
            Ok(Ty { sort: Sort::Tuple(sorts), unsigned: false })
        }
        syn::Type::Path(p) if p.qself.is_none() => {
            let seg = p.path.segments.last().expect("a path has a segment");
            let name = seg.ident.to_string();
            let plain = matches!(seg.arguments, syn::PathArguments::None);
            match name.as_str() {
                n if plain && SIGNED.contains(&n) => Ok(Ty { sort: Sort::Int, unsigned: false }),
                n if plain && UNSIGNED.contains(&n) => Ok(Ty { sort: Sort::Int, unsigned: true }),
                "bool" if plain => Ok(Ty { sort: Sort::Bool, unsigned: false }),
                "Real" if plain => Ok(Ty { sort: Sort::Real, unsigned: false }),
                "f32" | "f64" if plain => err_help(
                    ty.span(),
                    "floating point is outside the verifiable subset",
                    "not exact",
                    "floating point breaks the laws of the reals a proof relies on; use `psync::Real` (exact rationals)",
                ),
                "ProcessId" if plain => Ok(Ty { sort: Sort::P, unsigned: false }),
                "ProcSet" if plain => Ok(Ty { sort: Sort::set(Sort::P), unsigned: false }),
                "Option" => match generic_arg(seg) {
                    Some(inner) => Ok(Ty { sort: Sort::opt(sort_of(inner)?.sort), unsigned: false }),
                    None => unsupported(ty),
                },
                _ => unsupported(ty),
            }
        }
        _ => unsupported(ty),
    }
}

/// The single type argument of `Name<T>`.
pub fn generic_arg(seg: &syn::PathSegment) -> Option<&syn::Type> {
    match &seg.arguments {
        syn::PathArguments::AngleBracketed(a) if a.args.len() == 1 => match a.args.first() {
            Some(syn::GenericArgument::Type(t)) => Some(t),
            _ => None,
        },
        _ => None,
    }
}

fn unsupported<T>(ty: &syn::Type) -> FeResult<T> {
    err_help(
        ty.span(),
        "type outside the verifiable subset",
        "unsupported type",
        "state fields, messages and values may be integers (i64, u64, usize, …), Real, bool, ProcessId, \
         ProcSet, Option<T> or tuples of these",
    )
}
