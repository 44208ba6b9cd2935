//! notice-server (see issue: notice-server).
