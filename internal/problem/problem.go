// Package problem is the one shape of bad input validators return: a field
// path relative to what was validated, and what is wrong there. spec places
// each at its file, line and column.
package problem

import "strings"

// Problem is one thing wrong with a field. Field is a dotted path relative
// to the validated value ("latency", "config.sasl.mechanism"); empty when
// the message names no single field.
type Problem struct {
	Field string
	Msg   string
}

// Error reads as "field: msg", or msg alone without a field.
func (p *Problem) Error() string {
	if p.Field == "" {
		return p.Msg
	}
	return p.Field + ": " + p.Msg
}

// Join is base.field, either one possibly empty.
func Join(base, field string) string {
	switch {
	case base == "":
		return field
	case field == "":
		return base
	}
	return base + "." + field
}

// List gathers problems in the order found.
type List []Problem

// Add appends a problem at field.
func (l *List) Add(field, msg string) { *l = append(*l, Problem{field, msg}) }

// Err is the list as one error for a Go caller (nil when empty): each
// problem as "field: msg", joined by "; ".
func (l List) Err() error {
	if len(l) == 0 {
		return nil
	}
	return listError(l)
}

type listError List

func (e listError) Error() string {
	msgs := make([]string, len(e))
	for i := range e {
		msgs[i] = e[i].Error()
	}
	return strings.Join(msgs, "; ")
}
