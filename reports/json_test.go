package reports

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/chaosrun/chaosrun/result"
)

func TestReadJSONRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "result.json")
	want := fixture()
	if err := WriteJSON(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := ReadJSON(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Path != path {
		t.Errorf("Path = %q, want %q", got.Path, path)
	}
	want.Path = path
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip changed the result:\ngot  %+v\nwant %+v", got, want)
	}
}

func TestWriteJSONStampsSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "result.json")
	r := fixture()
	r.Schema = ""
	if err := WriteJSON(path, r); err != nil {
		t.Fatal(err)
	}
	if r.Schema != "" {
		t.Error("WriteJSON modified its argument")
	}
	got, err := ReadJSON(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Schema != result.Schema {
		t.Errorf("Schema = %q, want %q", got.Schema, result.Schema)
	}
}

func TestReadJSONSchemaMismatch(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"other version", `{"schema": "chaosrun.result/v2", "scenario": "x"}`, `schema "chaosrun.result/v2" is not supported`},
		{"missing", `{"scenario": "x"}`, "no schema field"},
		{"not json", `verdict: pass`, "decode result"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "result.json")
			if err := os.WriteFile(path, []byte(tt.body), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadJSON(path)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ReadJSON error = %v, want one containing %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

// The fixture's literal blob must stay a real histogram.
func TestFixtureHDRDecodes(t *testing.T) {
	h, err := hdrhistogram.Decode([]byte(fixture().Latency["produce_ack"].HDR))
	if err != nil {
		t.Fatal(err)
	}
	if h.TotalCount() != 5 {
		t.Errorf("TotalCount = %d, want 5", h.TotalCount())
	}
}
