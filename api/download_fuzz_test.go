package api

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseFileError feeds the file host's error parser any body: it never panics, the
// message is never empty and stays short.
func FuzzParseFileError(f *testing.F) {
	f.Add(403, []byte(`<?xml version="1.0"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>`))
	f.Add(404, []byte(`<Error><Code>NoSuchKey</Code></Error>`))
	f.Add(500, []byte(`not xml at all`))
	f.Add(0, []byte{})
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := parseFileError(status, "files.example", body)
		if e.Message == "" || utf8.RuneCountInString(e.Message) > 201 || e.StatusCode != status {
			t.Fatalf("%+v", e)
		}
		if !strings.Contains(e.Error(), e.Message) {
			t.Fatalf("Error() %q lacks the message", e.Error())
		}
	})
}

// FuzzParseETA feeds Get Run Stats' eta text to its parser: it never panics, and what it
// reads is a number of seconds that is not negative.
func FuzzParseETA(f *testing.F) {
	for _, s := range []string{"0:01:30", "∞", "", "2 minutes", "1 day, 0:00:01", "12.5", "-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if v, ok := parseETA(s); ok && v < 0 && !strings.Contains(s, "-") {
			t.Fatalf("%q read as %v seconds", s, v)
		}
	})
}
