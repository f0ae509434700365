package problem

import "testing"

func TestListErr(t *testing.T) {
	var l List
	if l.Err() != nil {
		t.Error("empty list is an error")
	}
	l.Add("latency", "want a positive duration")
	l.Add("", "no nodes")
	if got, want := l.Err().Error(), "latency: want a positive duration; no nodes"; got != want {
		t.Errorf("Err = %q, want %q", got, want)
	}
}
