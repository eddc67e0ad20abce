//! IOASID Lab's allocator core: a model of the Linux IOASID allocator, its custom
//! allocators, sets, references and the I/O page-fault path. No web dependencies.

pub mod xarray;
