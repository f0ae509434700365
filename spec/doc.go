// Package spec reads scenario files. Decoding is strict and positional:
// every unknown field, bad duration, unknown fault type or client setting
// comes back as an *Errors whose entries name file, line, column and field.
package spec
