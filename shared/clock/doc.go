// Package clock supplies the current time, injected so that expiry, caches
// and sweeps are tested without sleeping.
package clock
