package javaclient

import "unsafe"

// unsafeString views b as a string for parsing, without copying.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
