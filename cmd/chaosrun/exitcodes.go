package main

// Exit codes, one meaning each.
const (
	exitOK           = 0 // the scenario's expectation was met
	exitUnmet        = 1 // the run completed and its expectation was not met
	exitBadInput     = 2 // bad scenario file, flag or argument
	exitHarnessError = 3 // the harness or its infrastructure failed; the run proves nothing
)

// exitError carries an exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }
