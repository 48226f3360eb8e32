package dynamo_test

import (
	"testing"

	"github.com/tollgate/tollgate/shared/local/localtest"
	"github.com/tollgate/tollgate/shared/store/dynamo"
	"github.com/tollgate/tollgate/shared/store/storetest"
)

func TestMain(m *testing.M) { localtest.Main(m) }

func TestContract(t *testing.T) {
	s := dynamo.New(localtest.NewTable(t))
	storetest.Run(t, func(*testing.T) storetest.Store { return s })
}
