package envelope_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/tollgate/tollgate/shared/envelope"
)

// FuzzOpen feeds arbitrary blobs and contexts to both sealers: Open must
// never panic, must fail only with ErrOpen, and may accept only a blob it
// sealed: the plaintext and context it gives back must be a pair sealed
// here, and the blob exactly as long as Seal made it. (The fuzzer's worker
// processes seal the seeds again with fresh nonces, so the keys are fixed
// and an accepted blob is matched by what it holds, not byte for byte.)
func FuzzOpen(f *testing.F) {
	ctx := context.Background()
	local := newLocal(f)
	viaKMS := envelope.NewKMS(newFakeKMSWithMaster("k", bytes.Repeat([]byte{0x5c}, 32)), "k")
	type sealed struct {
		blob []byte
		aad  string
		pt   []byte
		s    envelope.Sealer
	}
	var known []sealed
	for _, s := range []envelope.Sealer{local, viaKMS} {
		for _, v := range []struct{ pt, aad string }{
			{"", "a"}, {"primary", "sas#u1#primary"}, {"tgr_successor", "refresh#f1"}, {"\x00\xff", "é"},
		} {
			blob, err := s.Seal(ctx, []byte(v.pt), v.aad)
			if err != nil {
				f.Fatal(err)
			}
			known = append(known, sealed{blob, v.aad, []byte(v.pt), s})
			f.Add(blob, v.aad)
			f.Add(blob[:len(blob)-1], v.aad)
			f.Add(append(bytes.Clone(blob), 0), v.aad)
			f.Add(blob, v.aad+"x")
		}
	}
	f.Add([]byte{}, "")
	f.Add([]byte{1}, "a")
	f.Add([]byte{2, 0, 0}, "a")
	f.Add([]byte{2, 0xff, 0xff}, "a")
	f.Add([]byte{2, 0, 1, 0}, "a")
	f.Fuzz(func(t *testing.T, blob []byte, aad string) {
		for _, s := range []envelope.Sealer{local, viaKMS} {
			pt, err := s.Open(ctx, blob, aad)
			if err != nil {
				if !errors.Is(err, envelope.ErrOpen) || pt != nil {
					t.Fatalf("Open = %v, %v; want nil, ErrOpen", pt, err)
				}
				continue
			}
			ok := false
			for _, k := range known {
				ok = ok || (k.s == s && len(k.blob) == len(blob) && k.aad == aad && bytes.Equal(k.pt, pt))
			}
			if !ok {
				t.Fatalf("Open accepted a blob it never sealed: %x under %q", blob, aad)
			}
		}
	})
}
