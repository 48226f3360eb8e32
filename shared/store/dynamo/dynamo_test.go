package dynamo_test

import (
	"testing"

	"github.com/tollgate/tollgate/shared/dynamolocal"
	"github.com/tollgate/tollgate/shared/store/dynamo"
	"github.com/tollgate/tollgate/shared/store/storetest"
)

func TestMain(m *testing.M) { dynamolocal.Main(m) }

func TestContract(t *testing.T) {
	s := dynamo.New(dynamolocal.NewTable(t))
	storetest.Run(t, func(*testing.T) storetest.Store { return s })
}
