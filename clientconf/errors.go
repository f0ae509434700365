package clientconf

import (
	"slices"
	"strings"
	"sync"
	"time"
)

// ErrorSpan is one distinct error text: how often it happened, and when
// first and last, so a report can put a stream of errors on the timeline.
type ErrorSpan struct {
	Error       string
	Count       int64
	First, Last time.Time
}

// ErrorTally counts errors by text; only the error path touches it.
type ErrorTally struct {
	mu    sync.Mutex
	spans map[string]*ErrorSpan
}

func NewErrorTally() *ErrorTally { return &ErrorTally{spans: map[string]*ErrorSpan{}} }

func (t *ErrorTally) Add(err error) {
	now := time.Now()
	msg := explain(err)
	t.mu.Lock()
	defer t.mu.Unlock()
	sp := t.spans[msg]
	if sp == nil {
		sp = &ErrorSpan{Error: msg, First: now}
		t.spans[msg] = sp
	}
	sp.Count++
	sp.Last = now
}

// explain adds what a client error means behind chaosrun's proxies: a proxy
// accepts the connection and closes it when the broker behind it is down,
// which franz-go reports as a likely TLS mismatch.
func explain(err error) string {
	msg := err.Error()
	if strings.Contains(msg, "broker closed the connection immediately") {
		msg += " [behind chaosrun's proxy this means the broker is down or unreachable]"
	}
	return msg
}

func (t *ErrorTally) Snapshot() map[string]int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string]int64, len(t.spans))
	for k, sp := range t.spans {
		out[k] = sp.Count
	}
	return out
}

// list is every distinct error, first seen first.
func (t *ErrorTally) List() []ErrorSpan {
	t.mu.Lock()
	out := make([]ErrorSpan, 0, len(t.spans))
	for _, sp := range t.spans {
		out = append(out, *sp)
	}
	t.mu.Unlock()
	slices.SortFunc(out, func(a, b ErrorSpan) int { return a.First.Compare(b.First) })
	return out
}
