//! The `notice` command.
