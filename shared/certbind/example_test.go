package certbind_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/tollgate/tollgate/shared/certbind"
)

// An upload that carries a private key is refused without being parsed
// further, and the error says why without quoting it.
func ExampleParse() {
	upload := "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIDd1f5oGz0cqt6kH0C3hV9uSx5kJrR1mKZVnJfQ3mWbE\n-----END PRIVATE KEY-----\n"
	_, err := certbind.Parse(upload, time.Now())
	fmt.Println(errors.Is(err, certbind.ErrPrivateKey))
	fmt.Println(err)
	// Output:
	// true
	// certbind: input contains a private key: refused, and nothing of it was kept
}
