//! Exotel (stub)
