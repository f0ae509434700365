package orders

import (
	"fmt"
)

// KeyMode chooses the record key, and so the partition an order lands on.
type KeyMode string

const (
	KeyOrder    KeyMode = "order"    // every order on one partition, orders spread evenly (the fix)
	KeyMerchant KeyMode = "merchant" // Zipf-skewed merchants: the hot-partition incident
	KeyNone     KeyMode = "none"     // no key: an order's steps scatter across partitions
)

// ParseKeyMode checks a key mode name.
func ParseKeyMode(s string) (KeyMode, error) {
	switch m := KeyMode(s); m {
	case KeyOrder, KeyMerchant, KeyNone:
		return m, nil
	}
	return "", fmt.Errorf("unknown key mode %q (want order, merchant or none)", s)
}

// UnmarshalText parses a key mode, so a scenario file is checked as it is read.
func (m *KeyMode) UnmarshalText(b []byte) error {
	v, err := ParseKeyMode(string(b))
	*m = v
	return err
}

// OrderID is how a producer numbers its orders: producer in the high bits and
// an ordinal that only grows, which keeps the verifier's memory small.
func OrderID(producer uint32, ordinal uint64) uint64 { return uint64(producer)<<40 | ordinal }
