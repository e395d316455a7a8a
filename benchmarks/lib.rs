//! The algorithm zoo: each spec file is compiled here against the `psync`
//! runtime (so rustc checks it) and read by `psync-verify check` (which proves
//! it for every number of processes).
#![warn(missing_docs)]

// Spec files keep to the subset the verifier reads (encodings/SPEC_LANGUAGE.md),
// which has no let chains, no `is_multiple_of` and no functions passed by
// name to `w.count`: clippy's rewrites to them
// would make the files unreadable to `psync-verify`.
#[path = "../docs/examples/floodmin.rs"]
#[allow(clippy::collapsible_if, clippy::manual_is_multiple_of)]
pub mod floodmin;
#[path = "../zoo/ate.rs"]
#[allow(clippy::collapsible_if, clippy::manual_is_multiple_of)]
pub mod ate;
#[path = "../zoo/ben_or.rs"]
#[allow(clippy::collapsible_if, clippy::manual_is_multiple_of)]
pub mod ben_or;
#[path = "../zoo/chandra_toueg.rs"]
#[allow(clippy::collapsible_if, clippy::manual_is_multiple_of)]
pub mod chandra_toueg;
#[path = "../zoo/eager_reliable_broadcast.rs"]
#[allow(clippy::collapsible_if, clippy::manual_is_multiple_of)]
pub mod eager_reliable_broadcast;
#[path = "../zoo/floodmin_crash.rs"]
#[allow(clippy::collapsible_if, clippy::manual_is_multiple_of, clippy::redundant_closure)]
pub mod floodmin_crash;
#[path = "../zoo/floodmin_kset.rs"]
#[allow(clippy::collapsible_if, clippy::manual_is_multiple_of, clippy::redundant_closure)]
pub mod floodmin_kset;
#[path = "../zoo/last_voting.rs"]
#[allow(clippy::collapsible_if, clippy::manual_is_multiple_of)]
pub mod last_voting;
#[path = "../zoo/last_voting_event.rs"]
#[allow(clippy::collapsible_if, clippy::manual_is_multiple_of)]
pub mod last_voting_event;
#[path = "../zoo/otr.rs"]
#[allow(clippy::collapsible_if, clippy::manual_is_multiple_of)]
pub mod otr;
#[path = "../zoo/approximate_agreement.rs"]
#[allow(clippy::collapsible_if, clippy::manual_is_multiple_of)]
pub mod approximate_agreement;
#[path = "../zoo/quorum_vote.rs"]
#[allow(clippy::collapsible_if, clippy::manual_is_multiple_of)]
pub mod quorum_vote;
#[path = "../zoo/short_last_voting.rs"]
#[allow(clippy::collapsible_if, clippy::manual_is_multiple_of)]
pub mod short_last_voting;
#[path = "../zoo/two_phase_commit.rs"]
#[allow(clippy::collapsible_if, clippy::manual_is_multiple_of)]
pub mod two_phase_commit;

/// The example of `docs/embed.md`, compiled and run as a doctest.
#[doc = include_str!("../docs/embed.md")]
#[cfg(doctest)]
pub struct EmbedDoc;
