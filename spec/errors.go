package spec

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Pos is a place in a scenario file.
type Pos struct {
	Line   int
	Column int
}

// Error is one problem with a scenario file, pointing at file, line and field.
type Error struct {
	File   string
	Line   int
	Column int
	Field  string // dotted path, e.g. workload.producer.acks or faults[1].at
	Msg    string
}

func (e *Error) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d:%d", e.File, e.Line, e.Column)
	}
	switch {
	case loc == "" && e.Field == "":
		return e.Msg
	case loc == "":
		return e.Field + ": " + e.Msg
	case e.Field == "":
		return loc + ": " + e.Msg
	}
	return fmt.Sprintf("%s: %s: %s", loc, e.Field, e.Msg)
}

// Errors is every problem found in one file, in file order. It is the error
// type of bad input: callers can tell it from a harness failure with errors.As.
type Errors struct {
	List []*Error
}

func (e *Errors) add(err *Error) { e.List = append(e.List, err) }

func (e *Errors) Error() string {
	sort.SliceStable(e.List, func(i, j int) bool { return e.List[i].Line < e.List[j].Line })
	lines := make([]string, len(e.List))
	for i, err := range e.List {
		lines[i] = err.Error()
	}
	return strings.Join(lines, "\n")
}

func (e *Errors) orNil() error {
	if len(e.List) == 0 {
		return nil
	}
	return e
}

// AsErrors is err as *Errors: itself when it is one (wrapped or not),
// else one error of its message, for lists that gather both kinds.
func AsErrors(err error) *Errors {
	var bad *Errors
	if errors.As(err, &bad) {
		return bad
	}
	return &Errors{List: []*Error{{Msg: err.Error()}}}
}
