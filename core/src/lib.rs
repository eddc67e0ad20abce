//! IOASID Lab's allocator core: a model of the Linux IOASID allocator, its custom
//! allocators, sets, references and the I/O page-fault path. No web dependencies.
//!
//! The flow: a [`lesson::Lesson`] (parsed and validated JSON) is run by
//! [`run::Runner`] against a [`world::World`], producing a [`trace::Trace`]: every
//! step's result, events, kernel log lines, pseudo-code lines, and the world after it.

pub mod allocator;
pub mod fault;
pub mod hazard;
pub mod host;
pub mod id;
pub mod lesson;
pub mod lessons;
pub mod name;
pub mod narrate;
pub mod profile;
pub mod pseudo;
pub mod quiz;
pub mod rcu;
pub mod run;
pub mod set;
pub mod sources;
pub mod space;
pub mod sva;
pub mod trace;
pub mod world;
pub mod xarray;

pub use id::{Data, Errno, Ioasid, INVALID_IOASID, PASID_MAX};
pub use lesson::{Lesson, LessonError, Op, Step};
pub use profile::{Knobs, Profile};
pub use run::{run_lesson, run_under, Runner};
pub use trace::{Outcome, StepTrace, Trace, Val};
pub use world::World;
