package dpop

import "sync"

// maxHeaders bounds what a Verifier remembers: a client's header and key
// take about half a kilobyte, and no header is longer than MaxProofLen.
const maxHeaders = 1024

// Verifier verifies proofs. A client sends the same header (typ, alg,
// jwk) with every proof it makes, so once a proof's signature has
// verified, its header's algorithm, key and thumbprint are kept under the
// header's exact text, and a proof with that header is not read again: its
// signature and claims are checked as always. Only headers whose key has
// signed a proof are kept, at most maxHeaders (all are dropped when full).
// The zero Verifier is ready to use; it is safe for concurrent use.
type Verifier struct {
	mu      sync.RWMutex
	headers map[string]head
}

// head is what a proof's header establishes.
type head struct {
	alg string
	key *publicKey
	jkt string // the key's thumbprint, once a proof has verified
}

// known returns what v keeps for the header segment seg.
func (v *Verifier) known(seg string) (head, bool) {
	v.mu.RLock()
	h, ok := v.headers[seg]
	v.mu.RUnlock()
	return h, ok
}

// remember keeps h for seg.
func (v *Verifier) remember(seg string, h head) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.headers == nil || len(v.headers) >= maxHeaders {
		v.headers = make(map[string]head)
	}
	v.headers[seg] = h
}
