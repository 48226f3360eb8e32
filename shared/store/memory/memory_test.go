package memory_test

import (
	"testing"

	"github.com/tollgate/tollgate/shared/store/memory"
	"github.com/tollgate/tollgate/shared/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(*testing.T) storetest.Store { return memory.New() })
}
