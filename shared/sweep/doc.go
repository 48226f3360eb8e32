// Package sweep is the expiry sweep: it finds credentials whose expiresAt
// has passed through a sparse expiry index partitioned by day (never a
// table scan), marks them expired with a TTL for deletion after a retention
// period, and announces credential.expiring (once, ahead of time) and
// credential.expired events. Each run is bounded and resumable from a
// stored cursor; running it twice changes nothing more. It also forwards
// the metering events the authorizer records in the store
// (credential.rate_limited, credential.quota_exhausted), at least once
// each, with an ID that is the same on every delivery. Events go to
// EventBridge (EventBridge, linked only by the sweeper function) or, in the
// local stack, to a file.
package sweep
