package kitchen

import (
	"testing"

	"github.com/chaosrun/chaosrun/kitchendb/kitchendbtest"
)

// TestMain stops the PostgreSQL server the kitchen database tests start.
func TestMain(m *testing.M) { kitchendbtest.Main(m) }
