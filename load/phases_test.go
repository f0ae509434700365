package load

import (
	"math"
	"testing"
	"time"

	"github.com/chaosrun/chaosrun/internal/problem"
)

// count runs one producer's slot to its end and returns its sends and the
// due time of the last one.
func count(p Phase, producer uint32, producers int) (n int64, last float64) {
	s := newSlot(p, producer, producers)
	for {
		t, ok := s.due(n)
		if !ok {
			return n, last
		}
		if t < last {
			panic("due times go backwards")
		}
		last = t
		n++
	}
}

func TestPhaseSchedules(t *testing.T) {
	cases := []struct {
		p    Phase
		want int64 // sends over all producers
	}{
		{Phase{Kind: Steady, Rate: 200, Duration: 10 * time.Second}, 2000},
		{Phase{Kind: Ramp, From: 100, To: 300, Duration: 10 * time.Second}, 2000},
		{Phase{Kind: Ramp, From: 0, To: 400, Duration: 5 * time.Second}, 1000},
		{Phase{Kind: Ramp, From: 400, To: 0, Duration: 5 * time.Second}, 1000},
		{Phase{Kind: Flood, Records: 1001}, 1001},
	}
	for _, c := range cases {
		for _, producers := range []int{1, 2, 3} {
			var total int64
			for id := range uint32(producers) {
				n, last := count(c.p, id, producers)
				total += n
				if c.p.Kind == Flood && last != 0 {
					t.Errorf("%s: a flood's sends are all due at once, got one at %.3fs", c.p.Name(), last)
				}
				if d := c.p.Duration.Seconds(); c.p.Kind != Flood && last >= d {
					t.Errorf("%s: a send due at %.3fs, after the phase", c.p.Name(), last)
				}
			}
			if math.Abs(float64(total-c.want)) > float64(producers) {
				t.Errorf("%s over %d producers: %d sends, want %d", c.p.Name(), producers, total, c.want)
			}
		}
	}
}

// A ramp's rate really grows: its second half holds three times the sends
// of its first when it goes from 0 to its top.
func TestRampGrows(t *testing.T) {
	s := newSlot(Phase{Kind: Ramp, From: 0, To: 1000, Duration: 4 * time.Second}, 0, 1)
	var first, second int
	for k := int64(0); ; k++ {
		at, ok := s.due(k)
		if !ok {
			break
		}
		if at < 2 {
			first++
		} else {
			second++
		}
	}
	if first < 480 || first > 520 || second < 1480 || second > 1520 {
		t.Errorf("ramp 0→1000/s over 4s: %d sends in the first half, %d in the second; want about 500 and 1500", first, second)
	}
}

func TestPhaseCheck(t *testing.T) {
	kind := func(name string) Phase { k, _ := KindOf(name); return Phase{Kind: k} }
	for _, c := range []struct {
		bad  Phase
		want string // the message at field "type"
	}{
		{Phase{}, "every phase needs a type: steady, ramp or flood"},
		{Phase{Kind: Steady, Rate: 100}, "a steady phase needs a positive rate and duration"},
		{Phase{Kind: Steady, Duration: time.Second}, "a steady phase needs a positive rate and duration"},
		{Phase{Kind: Ramp, Duration: time.Second}, "a ramp needs from and to rates (at least one positive) and a positive duration"},
		{Phase{Kind: Ramp, From: -1, To: 5, Duration: time.Second}, "a ramp needs from and to rates (at least one positive) and a positive duration"},
		{Phase{Kind: Flood}, "a flood needs a positive number of records, at most 1000000000"},
		{kind("flood"), "a flood needs a positive number of records, at most 1000000000"},
	} {
		if got := c.bad.Check(); len(got) != 1 || got[0] != (problem.Problem{Field: "type", Msg: c.want}) {
			t.Errorf("%+v: %v, want type: %s", c.bad, got, c.want)
		}
	}
	for name, want := range map[string]string{
		"":     "every phase needs a type: steady, ramp or flood",
		"wave": `unknown phase type "wave" (want steady, ramp or flood)`,
	} {
		k, got := KindOf(name)
		if k != nil || len(got) != 1 || got[0] != (problem.Problem{Field: "type", Msg: want}) {
			t.Errorf("phase type %q: %v %v, want type: %s", name, k, got, want)
		}
	}
	if ps := (Phase{Kind: Steady, Rate: 1, Duration: time.Second}).Check(); ps != nil {
		t.Errorf("good phase: %v", ps)
	}
}
