//go:build !unix

package envelope_test

func setUmask(int) func() { return func() {} }
