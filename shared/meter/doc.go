// Package meter is Tollgate's metering: the rate limits and usage quotas a
// credential (and, for rate limits, its owner) may carry, and how the
// authorizer spends them exactly across any number of instances. Counts
// live in the store; an instance leases a batch of them with one
// conditional write and spends the batch in memory, so a busy credential
// costs one write per batch, never one per request, and the store never
// hands out more than the limit.
package meter
