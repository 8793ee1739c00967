//! The states of the service's own work: scheduled job runs and queued emails.

super::text_enum! {
    /// A job's run for one time slot.
    pub enum JobRunStatus {
        Running => "running",
        Succeeded => "succeeded",
        Failed => "failed",
        /// Stopped by a shutdown or found abandoned; its slot may be run again.
        Interrupted => "interrupted",
    }
}

super::text_enum! {
    /// An email in the outbox.
    pub enum OutboxStatus {
        Pending => "pending",
        Sent => "sent",
        /// Given up after its retries; an admin may send it again.
        Failed => "failed",
    }
}
