package store

import (
	"errors"
	"math/rand/v2"
	"time"
)

// MaxAttempts bounds how often Retry runs a read-modify-write.
const MaxAttempts = 10

// Retry runs attempt, one read-modify-write whose write is conditional on
// what it read, until it stops failing with ErrConflict (another writer
// changed the record in between), at most MaxAttempts times; it returns
// attempt's last error, ErrConflict when every attempt collided. Each
// attempt must read afresh and apply only its own change. Writers that
// collided spread out before they read again: a random pause, its bound
// doubling from 5 ms up to 100 ms.
func Retry(attempt func() error) error {
	var err error
	for n := range MaxAttempts {
		if err = attempt(); !errors.Is(err, ErrConflict) {
			return err
		}
		if n < MaxAttempts-1 {
			time.Sleep(rand.N(min(5*time.Millisecond<<n, 100*time.Millisecond)))
		}
	}
	return err
}
