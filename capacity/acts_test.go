package capacity

import (
	"testing"

	"github.com/chaosrun/chaosrun/faults"
	"github.com/chaosrun/chaosrun/spec"
)

// A fault acts on the consumers by what it says it is, or by its target.
func TestActsOnConsumersAsksTheFault(t *testing.T) {
	zero := 0
	for _, c := range []struct {
		f    spec.Fault
		want bool
	}{
		{spec.Fault{Fault: &faults.DBLock{}}, true},
		{spec.Fault{Fault: &faults.ForeignConsumer{}}, true},
		{spec.Fault{Fault: &faults.ConsumerSlow{}}, true},
		{spec.Fault{Fault: &faults.Latency{}, Target: faults.Target{Service: faults.KitchenDB}}, true},
		{spec.Fault{Fault: &faults.BrokerKill{}, Target: faults.Target{Consumer: &zero}}, true},
		{spec.Fault{Fault: &faults.Latency{}, Target: faults.Target{All: true}}, false},
		{spec.Fault{Fault: &faults.Poison{}}, false},
	} {
		if got := ActsOnConsumers(&c.f); got != c.want {
			t.Errorf("%T %+v: ActsOnConsumers %v, want %v", c.f.Fault, c.f.Target, got, c.want)
		}
	}
}
