package password

import (
	"errors"
	"strings"
	"testing"
)

func TestHashCheck(t *testing.T) {
	h, err := Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := Hash("correct horse battery")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=2$") || h == h2 {
		t.Fatalf("hash %q (salted? %v)", h, h != h2)
	}
	cases := []struct {
		name, pw, hash string
		want           bool
	}{
		{"right", "correct horse battery", h, true},
		{"wrong", "correct horse batterY", h, false},
		{"no hash", "correct horse battery", "", false},
		{"other algorithm", "x", "$argon2i$v=19$m=65536,t=3,p=2$c2FsdA$aGFzaA", false},
		{"absurd memory", "x", "$argon2id$v=19$m=99999999,t=3,p=2$c2FsdA$aGFzaA", false},
		{"garbage", "x", "$$$", false},
	}
	for _, c := range cases {
		if got := Check(c.pw, c.hash); got != c.want {
			t.Errorf("%s: %v", c.name, got)
		}
	}
}

func TestValidate(t *testing.T) {
	for pw, ok := range map[string]bool{"short": false, strings.Repeat("a", MinLen): true, strings.Repeat("é", MaxLen): true, strings.Repeat("a", MaxLen+1): false} {
		if err := Validate(pw); (err == nil) != ok || err != nil && !errors.Is(err, ErrInvalid) {
			t.Errorf("Validate(%d chars) = %v", len(pw), err)
		}
	}
}
