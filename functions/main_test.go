package functions_test

import (
	"testing"

	"github.com/tollgate/tollgate/shared/local/localtest"
)

func TestMain(m *testing.M) { localtest.Main(m) }
