//! Tenant registry model.
