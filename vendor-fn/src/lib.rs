//! vendor-fn library.
