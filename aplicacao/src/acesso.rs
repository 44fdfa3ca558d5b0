//! API tokens: who may call `guiche serve`, with which role.
