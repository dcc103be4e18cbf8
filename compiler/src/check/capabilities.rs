//! What each provider can do — the one table the checker consults.
