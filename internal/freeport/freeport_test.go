package freeport

import (
	"net"
	"testing"
)

func TestFreePortsDistinctAndBindable(t *testing.T) {
	a, err := Pick(9)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Pick(9)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, p := range append(a, b...) {
		if seen[p] {
			t.Fatalf("port %d handed out twice", p)
		}
		seen[p] = true
		if lo := ephemeralLow(); lo > lowestPort+1000 && (p < lowestPort || p >= lo) {
			t.Errorf("port %d outside [%d, %d)", p, lowestPort, lo)
		}
		l, err := net.Listen("tcp", HostPort(p))
		if err != nil {
			t.Fatalf("port %d not bindable: %v", p, err)
		}
		l.Close()
	}
}
