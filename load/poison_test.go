package load

import (
	"slices"
	"testing"
	"time"
)

type book struct{ rejected []uint64 }

func (b *book) Written(uint64, time.Time) {}
func (b *book) Reject(o uint64)           { b.rejected = append(b.rejected, o) }

func TestPoisoner(t *testing.T) {
	p := NewPoisoner(1, nil)
	if poison, _ := p.take(1, false); poison {
		t.Fatal("idle poisoner poisoned")
	}
	if err := p.Poison(PoisonRejected, 1, 0); err == nil {
		t.Error("rejected poison without an order service was accepted")
	}
	if err := p.Poison(PoisonUndecodable, 2, 0); err != nil {
		t.Fatal(err)
	}
	var n int
	for o := range uint64(10) {
		if poison, garble := p.take(o, false); poison && garble {
			n++
		}
	}
	if n != 2 || p.busy.Load() {
		t.Errorf("count 2 poisoned %d (busy %v)", n, p.busy.Load())
	}
	b := &book{}
	p = NewPoisoner(1, b)
	p.Poison(PoisonRejected, 1, 0)
	if poison, garble := p.take(7, false); !poison || garble {
		t.Fatal("rejected order 7 not poisoned (or garbled)")
	}
	if poison, _ := p.take(8, false); poison {
		t.Error("count 1 poisoned a second order")
	}
	if poison, _ := p.take(7, false); !poison || !slices.Equal(b.rejected, []uint64{7}) {
		t.Errorf("a later step of rejected order 7 is not poison (rejected %v)", b.rejected)
	}
	p = NewPoisoner(1, nil)
	p.Poison(PoisonUndecodable, 0, 0.5)
	n = 0
	for o := range uint64(1000) {
		if poison, _ := p.take(o, false); poison {
			n++
		}
	}
	p.StopPoison()
	if poison, _ := p.take(1, false); n < 400 || n > 600 || poison {
		t.Errorf("fraction 0.5 poisoned %d of 1000 (and after the stop: %v)", n, poison)
	}
}
