//! The handlers of this workflow.
