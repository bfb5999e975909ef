package types_test

import (
	"testing"
	"time"

	"github.com/lobstr-go/lobstr/types"
)

// The same RFC 3339 value, decoded by Timestamp and by time.Time.
var benchRFC3339 = []byte(`"2025-02-10T14:30:58.045567Z"`)

func BenchmarkTimestampUnmarshalJSON(b *testing.B) {
	b.ReportAllocs()
	var ts types.Timestamp
	for b.Loop() {
		if err := ts.UnmarshalJSON(benchRFC3339); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTimeUnmarshalJSON(b *testing.B) {
	b.ReportAllocs()
	var t time.Time
	for b.Loop() {
		if err := t.UnmarshalJSON(benchRFC3339); err != nil {
			b.Fatal(err)
		}
	}
}

// The documented zone-less form, which time.Time cannot read.
func BenchmarkTimestampUnmarshalJSONNoZone(b *testing.B) {
	b.ReportAllocs()
	in := []byte(`"2024-12-24T10:57:55.045567"`)
	var ts types.Timestamp
	for b.Loop() {
		if err := ts.UnmarshalJSON(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTimestampMarshalJSON(b *testing.B) {
	b.ReportAllocs()
	ts, err := types.ParseTimestamp("2024-12-24T10:57:55.045567")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := ts.MarshalJSON(); err != nil {
			b.Fatal(err)
		}
	}
}
