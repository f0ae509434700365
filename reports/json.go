package reports

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/chaosrun/chaosrun/result"
)

// WriteJSON writes r as indented JSON to path, creating the parent directory.
// The file is replaced atomically so a reader never sees half a result. An
// empty r.Schema is written as Schema.
func WriteJSON(path string, r *result.Result) error {
	rec := *r
	if rec.Schema == "" {
		rec.Schema = result.Schema
	}
	data, err := json.MarshalIndent(&rec, "", "  ")
	if err != nil {
		return fmt.Errorf("encode result: %w", err)
	}
	return writeAtomic(path, append(data, '\n'))
}

func writeJSONOf(dir string, r *result.Result) error {
	return WriteJSON(filepath.Join(dir, "result.json"), r)
}

// writeAtomic writes data to a temporary file beside path and renames it over
// path; the rename is atomic within one directory.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op once renamed
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	// CreateTemp makes the file 0600; a result is meant to be shared.
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// ReadJSON reads a result written by WriteJSON. It refuses files of another
// schema rather than half-reading them. The returned Result's Path is path.
func ReadJSON(path string) (*result.Result, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if err := checkSchema(data); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var r result.Result
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%s: decode result: %w", path, err)
	}
	r.Path = path
	return &r, nil
}

// checkSchema looks at the schema field alone, before the layout it governs.
func checkSchema(data []byte) error {
	var head struct {
		Schema string `json:"schema"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return fmt.Errorf("decode result: %w", err)
	}
	switch head.Schema {
	case result.Schema:
		return nil
	case "":
		return fmt.Errorf("no schema field; not a chaosrun result (want %q)", result.Schema)
	}
	return fmt.Errorf("schema %q is not supported (want %q)", head.Schema, result.Schema)
}
