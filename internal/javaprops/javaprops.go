// Package javaprops writes Java properties files: the brokers'
// server.properties and the Java workload client's settings.
package javaprops

import (
	"slices"
	"strings"
)

// Render is p as properties file text, keys sorted, for a reader that
// loads it as UTF-8 (java.util.Properties.load(Reader)).
func Render(p map[string]string) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(escape(k, true) + "=" + escape(p[k], false) + "\n")
	}
	return b.String()
}

// escape escapes what java.util.Properties would otherwise misread:
// backslashes, line breaks, and in keys separators and spaces.
func escape(s string, key bool) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case key && (r == '=' || r == ':' || r == ' ' || r == '#' || r == '!'):
			b.WriteString(`\` + string(r))
		case !key && i == 0 && r == ' ':
			b.WriteString(`\ `)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
