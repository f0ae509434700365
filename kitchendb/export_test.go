package kitchendb

// Unexported pieces the external tests reach.
var (
	RedactURLError = redactURLError
	LastPerOrder   = lastPerOrder
)
