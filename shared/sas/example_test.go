package sas_test

import (
	"fmt"
	"time"

	"github.com/tollgate/tollgate/shared/sas"
)

// Signing the vendor document's C# sample credential, as Azure API
// Management would.
func ExampleSign() {
	key := "pXeTVcmdbU9XxH6fPcPlq8Y9D9G3Cdo5Eh2nMSgKj/DWqeSFFXDdmpz5Trv+L2hQNM+nGa704Rf8Z22W9O1jdQ=="
	expiry := time.Date(2014, 8, 4, 22, 3, 0, 0, time.UTC)
	header := sas.Sign("53d7e14aee681a0034030003", key, expiry)
	fmt.Println(header)

	tok, err := sas.Parse(header)
	fmt.Println(err, sas.Verify(tok, expiry.Add(-time.Hour), key), sas.Verify(tok, expiry, key))
	// Output:
	// SharedAccessSignature uid=53d7e14aee681a0034030003&ex=2014-08-04T22:03:00.0000000Z&sn=jZpVO0S0oAy7QEiuefPUia9l2ijdkFjs2WvnbH68V6LSVEcjwBfyeG/YHdWQyT00LExwhkIrgXWIm3Sj2oYzzw==
	// <nil> <nil> sas: token expired: ex passed
}
